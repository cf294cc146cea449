"""`pathways verify`: check the chains of tamper evidence of the whole log."""

from __future__ import annotations

import click

from pathways.i18n import NP_


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Output one JSON object.")
@click.pass_context
def verify(ctx: click.Context, as_json: bool) -> None:
    """Check that no event was altered, removed or inserted outside pathways.

    Every event is chained, under the chain key, to the previous event of its
    young person and to the previous event of the log (see
    docs/tamper-evidence.md). Each event found altered, removed, inserted or
    moved is listed with its log position and id, and the exit code is 1; when
    all is well, one line says so. Needs the chain key, not the master key.

    \b
    Example:
      pathways verify
      pathways --chain-key-file /secure/pathways.chain.key verify --json
    """
    import json

    from pathways.cli.session import key_files
    from pathways.store import open_store
    from pathways.verify import verify as check

    settings = ctx.find_root().obj or {}
    key_file, chain_key_file = key_files(settings)
    store = open_store(settings.get("db"), key_file, need_key=False, chain_key_file=chain_key_file)
    ctx.find_root().call_on_close(store.close)
    report = check(store)
    if as_json:
        row = {
            "store": store.location.display,
            "events": report.events,
            "youths": report.youths,
            "intact": report.intact,
            "head": {"position": report.head_position, "global_hash": report.head_hash},
            "problems": [p.as_dict() for p in report.problems],
        }
        click.echo(json.dumps(row, ensure_ascii=False, indent=1))
    else:
        from pathways.i18n import _, ngettext, number, pgettext

        for problem in report.problems:
            click.echo(
                _("position {position}  event {event_id}  {problem}: {detail}").format(
                    position=problem.position,
                    event_id=problem.event_id,
                    problem=pgettext("problem", problem.problem),
                    detail=problem.detail,
                )
            )
        events = ngettext("{count} event", "{count} events", report.events)
        youths = ngettext("{count} youth", "{count} youths", report.youths)
        counted = {
            "events": events.format(count=number(report.events)),
            "youths": youths.format(count=number(report.youths)),
        }
        if report.intact:
            click.echo(_("verified {events} of {youths}: the log is intact").format(**counted))
        else:
            found = len(report.problems)
            problems = ngettext("{count} problem", "{count} problems", found)
            click.echo(
                _(
                    "{problems} in {events} of {youths}: the log was changed outside "
                    "pathways (see docs/tamper-evidence.md)"
                ).format(problems=problems.format(count=number(found)), **counted)
            )
    if not report.intact:
        ctx.exit(1)


#: The problems' names, for the catalogue (the code in English; `--json` keeps it).
PROBLEMS = (
    NP_("problem", "inserted"),
    NP_("problem", "removed"),
    NP_("problem", "moved"),
    NP_("problem", "altered"),
    NP_("problem", "broken-chain"),
)
