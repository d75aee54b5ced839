"""CI's first-run check: the embedded server answers the login page and a logged-in page.

Usage: python tests/smoke_first_run.py http://127.0.0.1:8765
"""

import http.cookiejar
import re
import sys
import time
import urllib.parse
import urllib.request

DEMO_USER, DEMO_PASSWORD = "admin", "qudao-demo-2026"


def main(base: str) -> None:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    deadline = time.monotonic() + 60
    while True:
        try:
            page = opener.open(f"{base}/accounts/login/", timeout=5).read().decode()
            break
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)
    assert "登录" in page, "login page is not in Chinese"
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    body = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token, "username": DEMO_USER, "password": DEMO_PASSWORD}
    ).encode()
    request = urllib.request.Request(
        f"{base}/accounts/login/", data=body, headers={"Referer": f"{base}/accounts/login/"}
    )
    home = opener.open(request, timeout=10)
    html = home.read().decode()
    assert home.geturl().rstrip("/") == base, f"login did not land on home: {home.geturl()}"
    assert "我的网络中的组织" in html, "home page has no network widget"
    tree = opener.open(f"{base}/network/", timeout=10).read().decode()
    assert "飞驰" in tree, "network tree does not show the demo brand"
    css = opener.open(f"{base}/static/vendor/tabler.min.css", timeout=10)
    assert css.status == 200
    print("first-run smoke: login page, home, network tree and static files OK")


if __name__ == "__main__":
    main(sys.argv[1])
