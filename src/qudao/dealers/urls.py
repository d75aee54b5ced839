from qudao.dealers.views import admission, closing, contracts, grading, onboarding, profile

app_name = "dealers"

# Each part of the lifecycle keeps its own patterns beside its views.
urlpatterns = [
    *admission.urlpatterns,
    *onboarding.urlpatterns,
    *closing.urlpatterns,
    *contracts.urlpatterns,
    *grading.urlpatterns,
    *profile.urlpatterns,
]
