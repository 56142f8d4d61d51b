"""/reports/uptake: which of the coalition's asks which states took up, and whether a meeting came first;
/reports/sdgs: the recommendations by Sustainable Development Goal."""
from __future__ import annotations

from datetime import date
from typing import Literal

from flask import g, jsonify, request
from pydantic import BaseModel, ConfigDict, Field

from engage.asks.models import TAKEN_UP
from engage.clock import now_utc
from engage.members.services import member_arg
from engage.outcomes.models import ASK_POSITIONS
from engage.recommendations.models import MAX_CYCLE, RESPONSES
from engage.recommendations.queries import recommendations_by_sdg
from engage.reports import uptake
from engage.urls import absolute_url

from .common import utc_text
from .openapi import api_route

Verdict = Literal[TAKEN_UP]  # type: ignore[valid-type]


class PairCounts(BaseModel):
    model_config = ConfigDict(title="UptakePairs")
    pitched_taken_up: int
    taken_up_without_meeting: int
    pitched_not_taken_up: int


class UptakeCycleOut(BaseModel):
    model_config = ConfigDict(title="UptakeCycle")
    number: int | None
    label: str
    wg_session: int | None
    review_on: date | None


class UptakeTotalsOut(BaseModel):
    model_config = ConfigDict(title="UptakeTotals")
    asks: int
    asks_taken_up: int
    asks_taken_up_after_meeting: int
    asks_not_taken_up: int
    pairs: PairCounts


class UptakeThemeOut(BaseModel):
    model_config = ConfigDict(title="UptakeTheme")
    theme: str
    asks: int
    asks_taken_up: int
    asks_taken_up_after_meeting: int
    pairs: PairCounts


# Fields and filters that exist only while engage hosts more than one member organisation (a coalition).
COALITION_ONLY = "Only when engage hosts more than one member organisation (a coalition). "


class MemberAsksOut(BaseModel):
    model_config = ConfigDict(title="UptakeMemberAsks")
    member_id: int
    member: str = Field(description="The member organisation's short name")
    asks_pitched: int


class UptakeStateOut(BaseModel):
    model_config = ConfigDict(title="UptakeState")
    state: str
    state_name: str
    asks_pitched: int
    asks_taken_up: int
    taken_up_after_meeting: int
    pitched_not_taken_up: int
    pitched_by: list[MemberAsksOut] | None = Field(
        default=None, description=COALITION_ONLY + "How many of the asks each member organisation's meetings "
                                                   "pitched to the state (of the meetings the caller may see)")


class MemberPitchOut(BaseModel):
    model_config = ConfigDict(title="UptakeMemberPitch")
    member_id: int
    member: str = Field(description="The member organisation's short name")
    first_met_on: date


class PitchOut(BaseModel):
    model_config = ConfigDict(title="UptakePitch")
    state: str
    state_name: str
    first_met_on: date
    before_review: bool
    position: Literal[tuple(ASK_POSITIONS)] | None  # type: ignore[valid-type]
    pitched_by: list[MemberPitchOut] | None = Field(
        default=None, description=COALITION_ONLY + "The member organisations whose meetings pitched the ask to "
                                                   "the state, each with its first such meeting's day, earliest first "
                                                   "(of the meetings the caller may see)")


class TakenUpOut(BaseModel):
    model_config = ConfigDict(title="UptakeTakenUp")
    state: str
    state_name: str
    verdict: Verdict
    after_meeting: bool


class MatchedRecommendationOut(BaseModel):
    model_config = ConfigDict(title="UptakeRecommendation")
    id: int
    reference: str
    recommending_states: list[str]
    verdict: Verdict
    response: Literal[tuple(RESPONSES)]  # type: ignore[valid-type]
    url: str


class UptakeAskOut(BaseModel):
    model_config = ConfigDict(title="UptakeAsk")
    id: int
    text: str
    priority: str
    themes: list[str]
    url: str
    pitched: list[PitchOut]
    taken_up: list[TakenUpOut]
    recommendations: list[MatchedRecommendationOut]


class UptakeOut(BaseModel):
    model_config = ConfigDict(title="UptakeReport")
    cycle: UptakeCycleOut
    generated_at: str
    member_id: int | None = Field(default=None, description=COALITION_ONLY + "The member organisation whose "
                                  "meetings alone are counted (`member_id` asked for); null: the whole coalition")
    totals: UptakeTotalsOut
    asks: list[UptakeAskOut]
    states: list[UptakeStateOut]
    themes: list[UptakeThemeOut]


def uptake_json(report: uptake.UptakeReport) -> dict:
    """The uptake report as the contract shows it (the coalition's fields only in a coalition)."""
    t = report.totals
    body = UptakeOut(
        cycle=UptakeCycleOut(number=report.cycle.number, label=report.cycle.label, wg_session=report.cycle.wg_session,
                             review_on=report.cycle.review_on),
        generated_at=utc_text(report.now),
        totals=UptakeTotalsOut(asks=t.asks, asks_taken_up=t.asks_taken_up,
                               asks_taken_up_after_meeting=t.asks_taken_up_after_meeting,
                               asks_not_taken_up=report.not_taken_up, pairs=PairCounts(**t.pairs)),
        asks=[UptakeAskOut(
            id=item.ask.id, text=item.ask.text, priority=item.ask.priority, themes=item.ask.theme_names,
            url=absolute_url("asks.detail", ask_id=item.ask.id),
            pitched=[PitchOut(state=p.state, state_name=p.name, first_met_on=p.first_met_on,
                              before_review=p.before_review, position=p.position,
                              pitched_by=[MemberPitchOut(member_id=b.member_id, member=b.member,
                                                         first_met_on=b.first_met_on) for b in p.pitched_by])
                     for p in item.pitched],
            taken_up=[TakenUpOut(state=u.state, state_name=u.name, verdict=u.verdict, after_meeting=u.after_meeting)
                      for u in item.taken_up],
            recommendations=[MatchedRecommendationOut(id=r.id, reference=r.reference, recommending_states=r.states,
                                                      verdict=r.verdict, response=r.response,
                                                      url=absolute_url("upr.detail", rec_id=r.id))
                             for r in item.recommendations]) for item in report.asks],
        states=[UptakeStateOut(state=s.state, state_name=s.name, asks_pitched=s.pitched, asks_taken_up=s.taken_up,
                               taken_up_after_meeting=s.after_meeting, pitched_not_taken_up=s.pitched_not_taken_up,
                               pitched_by=[MemberAsksOut(member_id=member_id, member=member, asks_pitched=n)
                                           for (member_id, member), n in sorted(s.pitched_by.items(),
                                                                                key=lambda kv: kv[0][1])])
                for s in report.states],
        member_id=report.member_id,
        themes=[UptakeThemeOut(theme=th.name, asks=th.asks, asks_taken_up=th.asks_taken_up,
                               asks_taken_up_after_meeting=th.asks_taken_up_after_meeting, pairs=PairCounts(**th.pairs))
                for th in report.themes],
    ).model_dump(mode="json")
    if not report.coalition:  # no word of members outside a coalition, as the document says
        body.pop("member_id")
        for part in (*(p for a in body["asks"] for p in a["pitched"]), *body["states"]):
            part.pop("pitched_by")
    return body


@api_route("/reports/uptake", "GET", "The uptake report of a cycle: per ask, per state and by theme, which states "
           "took up the coalition's asks and whether a meeting came first", role="lead", response=UptakeOut,
           params=({"name": "cycle", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": MAX_CYCLE},
                    "description": "The cycle's number (default: the newest cycle with asks)"},
                   {"name": "member_id", "in": "query", "schema": {"type": "integer"},
                    "description": COALITION_ONLY + "Count one member organisation's meetings alone (of those the "
                                                    "caller may see); ignored on a single organisation's install"}))
def uptake_report():
    # The documented check has refused a bad cycle already (422 naming it); cycle_arg reads the number.
    number = uptake.cycle_arg(request.args.get("cycle"))
    member_id = member_arg(request.args.get("member_id"), "member_id")
    return jsonify(uptake_json(uptake.uptake_report(number, now_utc(), g.api_user, member_id)))


class SdgGoalOut(BaseModel):
    model_config = ConfigDict(title="RecommendationsBySdgGoal")
    goal: int | None = Field(description="1–17; null for the recommendations linked to no goal")
    name: str
    recommendations: int
    supported: int
    noted: int
    pending: int


class SdgReportOut(BaseModel):
    model_config = ConfigDict(title="RecommendationsBySdg")
    cycle: int | None
    items: list[SdgGoalOut]


@api_route("/reports/sdgs", "GET", "Recommendations by Sustainable Development Goal, with Kenya's responses",
           role="lead", response=SdgReportOut, params=(
               {"name": "cycle", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": MAX_CYCLE},
                "description": "Only this cycle's recommendations (default: all)"},))
def sdg_report():
    cycle = request.args.get("cycle", type=int)
    rows = recommendations_by_sdg(cycle)
    return jsonify(SdgReportOut(cycle=cycle, items=[
        SdgGoalOut(goal=r.goal, name=r.name, recommendations=r.total, supported=r.responses["supported"],
                   noted=r.responses["noted"], pending=r.responses["pending"]) for r in rows]).model_dump(mode="json"))
