from django.urls import path, register_converter

from ocpdash.catalog import views as catalog
from ocpdash.core.access import viewers_only
from ocpdash.upgrades.params import IdConverter
from ocpdash.web.views import actions, changes, clusters, dashboard, evidence, history, rollouts, upgrades

register_converter(IdConverter, "id")

urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("clusters/sync/", dashboard.sync_clusters, name="sync_clusters"),
    path("sites/<id:pk>/resume/", dashboard.resume_site, name="resume_site"),
    path("clusters/<id:pk>/", clusters.cluster_detail, name="cluster"),
    path("clusters/<id:pk>/upgrade/", clusters.upgrade_form, name="upgrade_form"),
    path("clusters/<id:pk>/upgrade/precheck/", clusters.precheck_fragment, name="upgrade_precheck"),
    path("upgrades/<id:pk>/", upgrades.upgrade_page, name="upgrade"),
    path("upgrades/<id:pk>/poll/", upgrades.upgrade_poll, name="upgrade_poll"),
    path("upgrades/<id:pk>/evidence/", evidence.upgrade_evidence, name="upgrade_evidence"),
    path("upgrades/<id:pk>/steps/<id:subtask_id>/log/", upgrades.step_log, name="step_log"),
    path("upgrades/<id:pk>/operate/", actions.operate_task, name="operate_task"),
    path("upgrades/<id:pk>/steps/<id:subtask_id>/operate/", actions.operate_step, name="operate_step"),
    path("upgrades/<id:pk>/comment/", actions.comment, name="comment"),
    path("upgrades/<id:pk>/sign-off/", actions.sign_off, name="sign_off"),
    path("upgrades/<id:pk>/approve/", actions.approve, name="approve"),
    path("upgrades/<id:pk>/decline/", actions.decline, name="decline"),
    path("upgrades/<id:pk>/recheck/", actions.recheck, name="recheck"),
    path("rollouts/", rollouts.rollout_list, name="rollouts"),
    path("rollouts/new/", rollouts.new_rollout, name="rollout_new"),
    path("rollouts/<id:pk>/", rollouts.rollout_page, name="rollout"),
    path("rollouts/<id:pk>/poll/", rollouts.rollout_poll, name="rollout_poll"),
    *(
        path(f"rollouts/<id:pk>/{op}/", rollouts.rollout_action, {"op": op}, name=f"rollout_{op}")
        for op in rollouts.ACTIONS
    ),
    path("approvals/", changes.approvals_page, name="approvals"),
    path("upcoming/", changes.upcoming_page, name="upcoming"),
    path("history/", history.history, name="history"),
    path("history.csv", history.history_csv, name="history_csv"),
    path("catalog/", catalog.catalog_page, name="catalog"),
    path("catalog/refresh/", catalog.refresh, name="catalog_refresh"),
    path("catalog/<id:pk>/upload/", catalog.start_upload, name="catalog_start_upload"),
    path("catalog/uploads/<id:pk>/", catalog.upload_page, name="catalog_upload"),
]

# Every page needs the view permission (a role), as in the API: ocpdash.core.access.
viewers_only(urlpatterns)
