from django.urls import path

from health import api

urlpatterns = [
    path("exercise/", api.MyExerciseView.as_view(), name="health-exercise"),
]
