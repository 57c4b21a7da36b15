from django.urls import path

from projects.feeds import calendar_feed

urlpatterns = [
    path("feeds/<str:token>/calendar.ics", calendar_feed, name="calendar_feed"),
]
