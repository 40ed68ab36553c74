app_name = "amendments"

urlpatterns = []
