"""Requisitions: the list, the form, open/hold/close, and the job page with its board."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from rounds.accounts.models import Site
from rounds.candidates.search import suggest_candidates
from rounds.lib.permissions import can_admin, editor_required, member_required
from rounds.lib.tenancy import access_object
from rounds.pipeline.views import build_board, org_stages

from . import actions
from .choices import JobStatus
from .forms import JobFilterForm, JobForm, PostingForm, StatusForm, initial_from_posting
from .models import Job

PAGE_SIZE = 50


@require_GET
@member_required
def job_list(request):
    """Jobs with filters and the pipeline counts of each, in one aggregate query."""
    org = request.user.organization
    form = JobFilterForm(request.GET or None, organization=org)
    jobs = Job.objects.visible_to(request.user).select_related("site", "owner")
    if form.is_valid():
        data = form.cleaned_data
        if data["q"]:
            jobs = jobs.filter(title__icontains=data["q"])
        if data["status"] == "active":
            jobs = jobs.filter(status__in=[JobStatus.OPEN, JobStatus.ON_HOLD])
        elif data["status"]:
            jobs = jobs.filter(status=data["status"])
        if data["site"]:
            jobs = jobs.filter(site=data["site"])
        if data["profession"]:
            jobs = jobs.filter(profession=data["profession"])
    page = Paginator(jobs.order_by("-opened_at", "-id"), PAGE_SIZE).get_page(
        request.GET.get("page"))
    rows = list(page.object_list)
    counts = actions.pipeline_counts(j.pk for j in rows)
    stages = org_stages(org.pk)
    for job in rows:
        per = counts.get(job.pk, {})
        job.stage_counts = [(s, per.get(s.pk, 0)) for s in stages]
        job.active_total = sum(n for s, n in job.stage_counts if s.is_open)
        job.hired_total = sum(n for s, n in job.stage_counts if s.kind == "hired")
        job.max_count = max([n for _, n in job.stage_counts] + [1])
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "jobs/list.html", {
        "nav": "jobs", "form": form, "page_obj": page, "jobs": rows, "stages": stages,
        "querystring_without_page": query.urlencode(), "has_sites":
            Site.objects.filter(organization=org).exists(),
    })


def _save_job(request, form, job=None):
    """Save through the actions with the audit enforced: saving a job open publishes it. A
    refusal comes back as (None, findings) with the form's errors set."""
    kwargs = form.action_kwargs()
    audit_kwargs = {"enforce_audit": True,
                    "override_reason": form.cleaned_data.get("override_reason") or ""}
    try:
        with transaction.atomic():
            if job is None:
                job = actions.do_create_job(request.user.organization_id, actor=request.user,
                                            **audit_kwargs, **kwargs)
            else:
                actions.do_update_job(job, actor=request.user, **audit_kwargs, **kwargs)
    except ValidationError as exc:
        for field, errs in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errs)
        return None, []
    except actions.PublishBlocked as exc:
        return None, exc.findings
    except PermissionDenied as exc:
        # A recruiter sent a reason: refused, and the findings it tried to override are shown.
        form.add_error("override_reason", str(exc))
        draft = form.draft_job(job)
        return None, [f for f in actions.audit_job(draft, must_haves=kwargs["must_haves"],
                                                   nice_to_haves=kwargs["nice_to_haves"])
                      if f.blocks_publishing]
    return job, []


def _form_page(request, form, job, *, blocked=(), status=200):
    """The job form with the audit of what is typed (or saved) beside it."""
    draft = form.draft_job(job) if form.is_bound else job
    findings = None  # a new, empty form: the panel asks for its audit when the page loads
    if draft is not None:
        findings = actions.audit_job(draft, must_haves=form.cleaned_data.get("must_haves")
                                     if form.is_bound else None,
                                     nice_to_haves=form.cleaned_data.get("nice_to_haves")
                                     if form.is_bound else None)
    return render(request, "jobs/form.html", {
        "nav": "jobs", "form": form, "job": job, "findings": findings, "blocked": list(blocked),
        "can_override": can_admin(request.user),
    }, status=status)


def _checked_form(request, job=None):
    """Bind and validate a posted job form; "Check" only audits, it never saves."""
    data = request.POST
    if "save_draft" in data:  # "Save as draft" on a job refused publication
        data = data.copy()
        data["status"] = JobStatus.DRAFT
    form = JobForm(data, instance=job, organization=request.user.organization)
    form.is_valid()
    return form


@editor_required
def job_create(request):
    org = request.user.organization
    if request.method != "POST":
        return _form_page(request, JobForm(organization=org), None)
    form = _checked_form(request)
    if "check" in request.POST:
        return _form_page(request, form, None)
    blocked = []
    if not form.errors:
        job, blocked = _save_job(request, form)
        if job is not None:
            messages.success(request, f"Job “{job}” created. Add candidates to its pipeline.")
            return redirect("jobs:detail", uuid=job.uuid)
    return _form_page(request, form, None, blocked=blocked, status=400)


@editor_required
def job_from_posting(request):
    """"New from a JobPosting…": read pasted or uploaded schema.org JSON-LD, then open the
    normal new-job form filled in from it, for the recruiter to review and save."""
    from rounds.matching.posting import PostingError, read_posting

    form = PostingForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            posting = read_posting(form.cleaned_data["source"])
        except PostingError as exc:
            form.add_error("file" if form.cleaned_data.get("file") else "posting",
                           f"Couldn't read this posting — {exc}.")
        else:
            initial = initial_from_posting(posting)
            site = (Site.objects.visible_to(request.user).filter(is_active=True,
                                                                 city__iexact=posting.city)
                    .order_by("name").first() if posting.city else None)
            if site is not None:
                initial["site"] = site.pk
            job_form = JobForm(initial=initial, organization=request.user.organization)
            return render(request, "jobs/form.html", {
                "nav": "jobs", "form": job_form, "job": None, "posting": posting,
                "form_action": reverse("jobs:create"),
            })
    return render(request, "jobs/posting.html", {"nav": "jobs", "form": form},
                  status=400 if form.is_bound else 200)


@editor_required
def job_edit(request, uuid):
    job = access_object(Job, request.user, uuid=uuid)
    if request.method != "POST":
        form = JobForm(instance=job, organization=request.user.organization)
        return _form_page(request, form, job)
    form = _checked_form(request, job)
    if "check" in request.POST:
        return _form_page(request, form, job)
    blocked = []
    if not form.errors:
        saved, blocked = _save_job(request, form, job)
        if saved is not None:
            messages.success(request, "Job saved.")
            return redirect("jobs:detail", uuid=job.uuid)
        job.refresh_from_db()
    return _form_page(request, form, job, blocked=blocked, status=400)


@require_POST
@editor_required
def job_audit(request, uuid=None):
    """The audit panel for what is typed in the job form (htmx, as the recruiter types)."""
    job = access_object(Job, request.user, uuid=uuid) if uuid else None
    form = _checked_form(request, job)
    draft = form.draft_job(job)
    findings = actions.audit_job(draft, must_haves=form.cleaned_data.get("must_haves"),
                                 nice_to_haves=form.cleaned_data.get("nice_to_haves"))
    return render(request, "jobs/_audit.html", {"findings": findings, "form": form})


@require_POST
@editor_required
def job_status(request, uuid):
    job = access_object(Job, request.user, uuid=uuid)
    form = StatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a status: open, on hold, filled or closed.")
        return redirect("jobs:detail", uuid=job.uuid)
    try:
        with transaction.atomic():
            actions.do_set_job_status(
                job, form.cleaned_data["status"], actor=request.user, enforce_audit=True,
                override_reason=(request.POST.get("override_reason") or "")[:1000])
    except actions.PublishBlocked as exc:
        messages.error(request, "Not published: it breaks "
                       + ("a rule" if len(exc.findings) == 1 else f"{len(exc.findings)} rules")
                       + " of its jurisdiction — see the audit below. Fix the job, or an owner "
                         "or admin can publish it anyway with a reason.")
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"“{job}” is now {job.get_status_display().lower()}.")
    return redirect("jobs:detail", uuid=job.uuid)


@require_GET
@member_required
def job_detail(request, uuid):
    """The job's key facts, then its pipeline board."""
    job = access_object(
        Job.objects.select_related("site", "owner").prefetch_related("requirements",
                                                                     "hiring_team"),
        request.user, uuid=uuid,
    )
    requirements = list(job.requirements.all())
    q = (request.GET.get("q") or "").strip()
    results = []
    if q and request.user.can_edit:
        results = suggest_candidates(request.user, q, exclude_job=job)
    findings = actions.audit_job(
        job, must_haves=[r.text for r in requirements if r.required],
        nice_to_haves=[r.text for r in requirements if not r.required])
    blocking = [f for f in findings if f.blocks_publishing]
    override = None
    if blocking and job.status == JobStatus.OPEN:
        override = actions.last_audit_override(job)
    context = {
        "nav": "jobs", "job": job, "findings": findings, "override": override,
        "blocking": blocking,
        "can_override": can_admin(request.user),
        "must_haves": [r for r in requirements if r.required],
        "nice_to_haves": [r for r in requirements if not r.required],
        "statuses": JobStatus.choices, "q": q, "results": results,
        **build_board(job, request.user),
    }
    return render(request, "jobs/detail.html", context)
