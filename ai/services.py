"""The AI pipeline: analysis and a draft reply for interactions, written through the inbox's one door
(`interactions.services.analysis_apply`, `drafts_apply`).

An interaction needs analysis when it is open and `ai_analyzed_at` is empty: never analyzed, or the sync
cleared it because the buyer wrote again. What is analyzed is the buyer's side of the current wait (their
messages after our last answer, or all of them); its hash with the analyzer's version makes a repeat a no-op,
so the task, the beat sweep and a second worker may all see the same interaction and it is analyzed once. A
draft is due when the analysis says a reply is needed and the AI's draft (if any) answers older content; a
seller's own draft is never replaced.

The LLM answers when AI is on, a key is set and the shop's budget allows; otherwise, or when a call fails, the
offline analyzer and the template drafts do. A batch reads everything it needs in a few queries
(`ai.context`), runs each interaction's calls (analysis, then its draft) on a thread pool that only talks
HTTP (`AI_CONCURRENCY` calls at once); the calling thread writes the results as they come and books the calls
(one ledger per run, `ai.llm.ledger`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from agentiq.runtime import runtime_get
from ai.context import AIContext, contexts_for
from ai.drafts import NOT_CONNECTED, Draft, compose_draft, guardrails_warm
from ai.llm.errors import LLMError
from ai.llm.ledger import BatchLedger, DirectLedger
from ai.llm.prompts import PROMPT_VERSION
from ai.llm.service import llm_analyze, llm_available
from ai.offline.analyzer import OfflineItem, analyze_offline_many, get_model
from interactions.models import AnalysisSource, DraftSource, Interaction, Status
from interactions.selectors.replies import REPEAT_KINDS
from interactions.services import AnalysisResult, DraftResult, analyses_apply, drafts_apply

logger = logging.getLogger(__name__)

BATCH = 200
AUTO_REPLY_TASK = "autoreplies.tasks.auto_reply_interactions"
WRITE_EVERY = 50


@dataclass
class Outcome:
    analyzed: int = 0
    drafted: int = 0
    llm_analyses: int = 0
    llm_drafts: int = 0
    fallbacks: int = 0  # the LLM was asked but the offline analyzer or a template answered


def offline_version() -> str:
    return "offline:" + str(get_model().info.get("sha256", ""))[:16]


def llm_version() -> str:
    return f"llm:{settings.AI_MODEL}:{PROMPT_VERSION}"


def needing_analysis():
    """Open interactions never analyzed, or whose buyer wrote since (interaction_analysis_due_idx)."""
    return Interaction.objects.exclude(status=Status.CLOSED).filter(ai_analyzed_at__isnull=True)


def needing_draft():
    """Waiting for our reply, analyzed as needing one, without an AI draft for this content
    (interaction_draft_due_idx)."""
    from django.db.models import F

    return (
        Interaction.objects.filter(needs_response=True, ai_needs_reply=True)
        .exclude(draft_source=DraftSource.SELLER)
        .exclude(draft_for_hash=F("ai_input_hash"))
    )


def pending_ids(*, limit: int = 1000) -> list[int]:
    analysis = list(needing_analysis().order_by("-id").values_list("pk", flat=True)[:limit])
    drafts = list(needing_draft().order_by("-id").values_list("pk", flat=True)[:limit])
    return sorted(set(analysis) | set(drafts), reverse=True)[:limit]


def process_interactions(ids: Sequence[int], *, drafts: bool = True) -> Outcome:
    """Analyze the interactions that need it and draft those that then need a draft.

    Chunks of BATCH are read and handed to the pool as they come; the calling thread writes results as jobs
    finish (WRITE_EVERY at a time), so the database writes overlap the calls still in flight."""
    outcome = Outcome()
    ids = list(dict.fromkeys(ids))
    if not ids:
        return outcome
    run = _Runner(use_llm=llm_available(), drafts=drafts)
    if drafts:
        guardrails_warm()
    workers = max(1, min(int(settings.AI_CONCURRENCY), len(ids))) if run.use_llm else 1
    if workers == 1:
        for start in range(0, len(ids), BATCH):
            _write([run(job) for job in run.jobs(ids[start : start + BATCH])], outcome=outcome)
    else:
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ai") as pool:
            running: set[Future[_Job]] = set()
            finished: list[_Job] = []
            for start in range(0, len(ids), BATCH):
                running |= {pool.submit(run, job) for job in run.jobs(ids[start : start + BATCH])}
            for future in as_completed(running):
                finished.append(future.result())
                if len(finished) >= WRITE_EVERY:
                    _write(finished, outcome=outcome)
                    finished = []
            _write(finished, outcome=outcome)
    run.ledger.flush()
    return outcome


def analyze_interactions(ids: Sequence[int]) -> int:
    return process_interactions(ids).analyzed


def analyze_pending(*, limit: int = 1000) -> Outcome:
    return process_interactions(pending_ids(limit=limit))


@dataclass
class _Job:
    context: AIContext
    analysis: AnalysisResult | None = None
    draft: Draft | None = None
    repeat: bool = False
    llm_failed: str = ""  # why the LLM's analysis failed: its draft is the template's too


class _Runner:
    """One `process_interactions` call: its settings, its ledger, and the job each worker thread runs."""

    def __init__(self, *, use_llm: bool, drafts: bool) -> None:
        self.use_llm = use_llm
        self.drafts = drafts
        self.ledger = BatchLedger()
        self.offline_hash = offline_version()
        self.llm_hash = llm_version()
        # This run's drafts per (shop, product): a batch's drafts avoid each other too, not only what was sent.
        self.drafted: dict[tuple[int, str], list[str]] = {}
        self._drafted_lock = threading.Lock()
        self.repeat_threshold = float(runtime_get("reply_repeat_threshold")) if drafts else None

    def jobs(self, ids: Sequence[int]) -> list[_Job]:
        """Read a chunk (the calling thread: the only one touching the database) with its offline analysis."""
        contexts = contexts_for(ids)
        if self.use_llm:
            self.ledger.prepare({c.seller_id for c in contexts})
        found_all = analyze_offline_many([OfflineItem(kind=c.kind, rating=c.rating, text=c.text) for c in contexts])
        jobs = []
        for context, found in zip(contexts, found_all, strict=True):
            # Content analyzed before keeps its analysis: the stored hash makes analysis_apply a no-op that only
            # marks it seen, and no LLM call is made for it.
            seen = context.ai_input_hash in (
                context.analysis_hash(self.offline_hash),
                context.analysis_hash(self.llm_hash),
            )
            analysis = AnalysisResult(
                intent=found.intent,
                sentiment=found.sentiment,
                priority=found.priority,
                summary=found.summary,
                needs_reply=found.needs_reply,
                confidence=found.confidence,
                source=AnalysisSource.OFFLINE,
                input_hash=context.ai_input_hash if seen else context.analysis_hash(self.offline_hash),
            )
            jobs.append(_Job(context=context, analysis=analysis, repeat=seen))
        return jobs

    def __call__(self, job: _Job) -> _Job:
        """A worker thread's part: HTTP and pure functions only."""
        if self.use_llm and not job.repeat:
            try:
                job.analysis = _llm_analysis(
                    job.context, ledger=self.ledger, input_hash=job.context.analysis_hash(self.llm_hash)
                )
            except LLMError as exc:
                job.llm_failed = f"{exc} Черновик по шаблону."  # the offline analysis stands
        if self.drafts:
            context = _after(job)
            if _draft_due(context):
                key = (context.seller_id, context.product_id)
                with self._drafted_lock:
                    earlier = list(reversed(self.drafted.get(key, [])))
                job.draft = compose_draft(
                    context,
                    use_llm=self.use_llm and not job.llm_failed,
                    ledger=self.ledger,
                    why_not_llm=job.llm_failed or NOT_CONNECTED,
                    avoid=earlier if context.kind in REPEAT_KINDS else (),
                    repeat_threshold=self.repeat_threshold if context.kind in REPEAT_KINDS else None,
                )
                if context.kind in REPEAT_KINDS:
                    with self._drafted_lock:
                        self.drafted.setdefault(key, []).append(job.draft.text)
        return job


def _write(done: list[_Job], *, outcome: Outcome) -> None:
    """One transaction for the group (a commit each would cost a WAL flush each), rows locked in id order."""
    done = sorted(done, key=lambda job: job.context.interaction_id)
    with transaction.atomic():
        _write_locked(done, outcome=outcome)


def _write_locked(done: list[_Job], *, outcome: Outcome) -> None:
    analyses = [(job.context.interaction_id, job.analysis) for job in done if job.analysis is not None]
    outcome.analyzed += analyses_apply(analyses)
    outcome.llm_analyses += sum(1 for job in done if not job.repeat and job.analysis.source == AnalysisSource.LLM)
    outcome.fallbacks += sum(1 for job in done if job.llm_failed)
    written = [
        DraftResult(
            interaction_id=job.context.interaction_id,
            text=job.draft.text,
            source=job.draft.source,
            for_hash=_after(job).ai_input_hash,
            reason=job.draft.reason,
        )
        for job in done
        if job.draft is not None
    ]
    outcome.drafted += drafts_apply(written)
    outcome.llm_drafts += sum(1 for d in written if d.source == DraftSource.LLM)
    if written:
        drafted = [d.interaction_id for d in written]
        transaction.on_commit(lambda: _queue_auto_replies(drafted))


def _queue_auto_replies(ids: list[int]) -> None:
    """After the drafts commit: the shop's auto-reply rules decide (autoreplies.tasks). By name, on commit: the
    pool's threads stay free of database work, and a broker hiccup never fails the AI step."""
    from agentiq.celery import app as celery_app

    try:
        celery_app.send_task(AUTO_REPLY_TASK, args=[ids])
    except Exception:
        logger.warning("could not queue auto-replies for %s interactions", len(ids), exc_info=True)


def _llm_analysis(context: AIContext, *, ledger: BatchLedger, input_hash: str) -> AnalysisResult:
    found = llm_analyze(
        seller_id=context.seller_id,
        kind=context.kind,
        rating=context.rating,
        text=context.text,
        product=context.product,
        ledger=ledger,
    )
    return AnalysisResult(
        intent=found.intent,
        sentiment=found.sentiment,
        priority=found.priority,
        summary=found.summary,
        needs_reply=found.needs_reply,
        confidence=found.confidence,
        source=AnalysisSource.LLM,
        input_hash=input_hash,
    )


def _after(job: _Job) -> AIContext:
    if job.analysis is None or job.repeat:
        return job.context
    return job.context.with_analysis(
        intent=job.analysis.intent,
        sentiment=job.analysis.sentiment,
        needs_reply=job.analysis.needs_reply,
        input_hash=job.analysis.input_hash,
    )


def _draft_due(context: AIContext) -> bool:
    return (
        context.needs_response
        and bool(context.needs_reply)
        and bool(context.text or context.rating)
        and context.draft_source != DraftSource.SELLER
        and context.draft_for_hash != context.ai_input_hash
    )


def regenerate_draft(*, interaction: Interaction, instruction: str | None = None) -> Draft:
    """The seller asked for a new draft (optionally «короче», «предложи обмен»…): analyzed first if it never was,
    written over whatever draft there was, answered with its guardrail verdict."""
    if interaction.ai_analyzed_at is None:
        process_interactions([interaction.pk], drafts=False)
    [context] = contexts_for([interaction.pk])
    guardrails_warm()
    threshold = float(runtime_get("reply_repeat_threshold")) if context.kind in REPEAT_KINDS else None
    draft = compose_draft(
        context, use_llm=llm_available(), ledger=DirectLedger(), instruction=instruction, repeat_threshold=threshold
    )
    drafts_apply(
        [
            DraftResult(
                interaction_id=interaction.pk,
                text=draft.text,
                source=draft.source,
                for_hash=context.ai_input_hash,
                reason=draft.reason,
            )
        ],
        replace_seller=True,
    )
    return draft
