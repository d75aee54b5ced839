"""The name material of the demo brand: its HQ, 字号, roads, people, mobiles and USCCs."""

import random

from stdnum.cn import uscc as stdnum_uscc

BRAND = "飞驰电动车"
HQ_CODE = "HQ"
HQ_NAME = "飞驰电动车科技有限公司"


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# 字号 (trade names). Real e-bike brands are left out on purpose.
TRADE_WORDS = _words(
    "迅力 骏驰 恒通 宏达 金鹏 华越 永盛 鑫源 顺风 利达 远航 凯旋 天行 捷达 瑞丰 众诚 "
    "通达 佳美 安途 畅行 腾飞 东升 兴隆 和顺 长风 锦程 万里 昌盛 嘉禾 富源 益民 聚力 "
    "驰骋 星辉 正阳 博远 康达 春晖 立信 德胜 明远 路路通 广源 新航 宝骏 福临 盛达 云帆"
)
DISTRIBUTOR_BUSINESS = _words("车业 电动车 机电 商贸 新能源科技 电动车销售 车辆贸易")
# (business, suffix) of a dealer's name. Companies (有限公司) outnumber sole traders.
DEALER_STYLES = (
    ("电动车", "有限公司"),
    ("车业", "有限公司"),
    ("电动车销售", "有限公司"),
    ("新能源车业", "有限公司"),
    ("电动车", "商行"),
    ("摩电", "商行"),
    ("电动车", "经营部"),
    ("两轮车", "销售中心"),
    ("车行", ""),
)
ROADS = _words(
    "人民路 解放路 中山路 建设路 和平路 新华路 胜利路 朝阳路 文化路 工业路 长江路 黄河路 "
    "北京路 友谊路 光明路 青年路 幸福路 民主路 东风路 迎宾大道 发展大道 滨江路 环城路 "
    "建国路 复兴路 振兴路 兴华街 育才路 学府路 花园路 园林路 新城大道 湖滨路 金桥路 "
    "创业路 科技路"
)
SURNAMES = _words(
    "王 李 张 刘 陈 杨 黄 赵 吴 周 徐 孙 马 朱 胡 郭 何 高 林 罗 郑 梁 谢 宋 唐 许 韩 冯 "
    "邓 曹 彭 曾 肖 田 董 袁 潘 于 蒋 蔡 余 杜 叶 程 苏 魏 吕 丁 任 沈 姚 卢 姜 崔 钟 谭 "
    "陆 汪 范 金 石 廖 贾 夏 韦 方 白 邹 孟 熊 秦 邱 江 尹 薛 段 雷 侯 龙 欧阳"
)
GIVEN_CHARS = (
    "建国华明伟强军平志红丽芳敏静婷雪磊涛杰鹏辉斌宇浩俊峰超丹琳颖海燕晨阳欣佳文博晓春秋玉兰梅"
    "霞凯帅鑫龙飞波勇毅刚健亮成林森洁蕾倩雯璐萍睿哲思远子涵梓轩嘉怡诗雨欢琪瑶振兴家豪立新"
)
MOBILE_PREFIXES = _words(
    "130 131 132 133 135 136 137 138 139 150 151 152 153 155 156 157 158 159 166 171 173 "
    "176 177 178 180 181 182 183 185 186 187 188 189 191 193 195 198 199"
)
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100: no I, O, S, V, Z


def make_uscc(rng: random.Random, *, district_code: str, individual: bool) -> str:
    body = ("92" if individual else "91") + district_code
    body += "".join(rng.choices(USCC_ALPHABET, k=9))
    return body + stdnum_uscc.calc_check_digit(body)


def make_mobile(rng: random.Random) -> str:
    return rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"


def _short_district(name: str) -> str:
    """浦东新区 → 浦东, 西湖区 → 西湖, but 城区 stays 城区."""
    if len(name) > 3 and name.endswith("新区"):
        return name[:-2]
    return name[:-1] if len(name) > 2 and name[-1] in "区县市" else name
