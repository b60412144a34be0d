from django.urls import path

from ocpdash.web.views import actions, clusters, dashboard, history, upgrades

urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("clusters/sync/", dashboard.sync_clusters, name="sync_clusters"),
    path("sites/<int:pk>/resume/", dashboard.resume_site, name="resume_site"),
    path("clusters/<int:pk>/", clusters.cluster_detail, name="cluster"),
    path("clusters/<int:pk>/upgrade/", clusters.upgrade_form, name="upgrade_form"),
    path("clusters/<int:pk>/upgrade/precheck/", clusters.precheck_fragment, name="upgrade_precheck"),
    path("upgrades/<int:pk>/", upgrades.upgrade_page, name="upgrade"),
    path("upgrades/<int:pk>/poll/", upgrades.upgrade_poll, name="upgrade_poll"),
    path("upgrades/<int:pk>/steps/<int:subtask_id>/log/", upgrades.step_log, name="step_log"),
    path("upgrades/<int:pk>/operate/", actions.operate_task, name="operate_task"),
    path("upgrades/<int:pk>/steps/<int:subtask_id>/operate/", actions.operate_step, name="operate_step"),
    path("upgrades/<int:pk>/comment/", actions.comment, name="comment"),
    path("upgrades/<int:pk>/sign-off/", actions.sign_off, name="sign_off"),
    path("history/", history.history, name="history"),
    path("history.csv", history.history_csv, name="history_csv"),
]
