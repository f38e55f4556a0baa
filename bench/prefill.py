"""Prefill a scratch PostgreSQL database to a year of a mid-size service center, in SQL.

Rows are cloned from one template row of each table (so every column the schema has
is filled the way the application fills it) with generate_series, which writes a
million rows in seconds where the API would take an hour. Needs at least one row in
each table it clones: run one round of pushes first (peer_bench.py does).

    rows = prefill(engine, 1_000_000)  # evidence, change-log and idempotency rows each
"""

import sqlalchemy as sa

EVIDENCE = ("job_notes", "measurements", "checklist_answers", "photos")
EVIDENCE_PER_JOB = 50  # a year: ~20,000 closed jobs for 1,000,000 evidence rows


def _columns(conn, table) -> list[str]:
    return list(
        conn.execute(
            sa.text(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_name = :t AND table_schema = 'public' ORDER BY ordinal_position"
            ),
            {"t": table},
        ).scalars()
    )


def _clone(conn, table, n, overrides, where="TRUE"):
    cols = [c for c in _columns(conn, table) if c not in overrides.get("_skip", ())]
    select = ", ".join(overrides.get(c, f't."{c}"') for c in cols)
    names = ", ".join(f'"{c}"' for c in cols)
    # Table and column names are ours, never a request's.
    conn.execute(
        sa.text(
            f'INSERT INTO "{table}" ({names}) SELECT {select} '  # noqa: S608
            f'FROM (SELECT * FROM "{table}" WHERE {where} LIMIT 1) t, '
            f"generate_series(0, {n - 1}) g"
        )
    )


def _uuid(tag, expr="g"):
    return f"md5('{tag}' || ({expr})::text)::uuid"


def prefill(engine, rows: int) -> int:
    """Write `rows` evidence, change-log and idempotency rows (and the jobs they belong to)."""
    jobs = max(1, rows // EVIDENCE_PER_JOB)
    with engine.begin() as conn:
        techs = list(
            conn.execute(
                sa.text("SELECT id FROM users WHERE role = 'technician' ORDER BY username")
            ).scalars()
        )
        tech_array = "ARRAY[" + ", ".join(f"'{t}'::uuid" for t in techs) + "]"
        job_of = _uuid("pj", f"g % {jobs}")
        _clone(
            conn, "customers", jobs, {"id": _uuid("pc"), "phone": "'139' || lpad(g::text, 8, '0')"}
        )
        _clone(
            conn,
            "units",
            jobs,
            {"id": _uuid("pu"), "customer_id": _uuid("pc"), "serial": "'SN-P-' || g"},
        )
        _clone(
            conn,
            "jobs",
            jobs,
            {
                "id": _uuid("pj"),
                "customer_id": _uuid("pc"),
                "unit_id": _uuid("pu"),
                "status": "'closed'",
                "completed_at": "now() - (g || ' minutes')::interval",
                "technician_id": f"({tech_array})[1 + g % {len(techs)}]",
            },
        )
        per_table = rows // len(EVIDENCE)
        for table in EVIDENCE:
            overrides = {"id": _uuid(table), "job_id": job_of, "visit_id": "NULL"}
            if table == "photos":
                overrides["sha256"] = "md5(g::text) || md5(g::text)"
            _clone(conn, table, per_table, overrides)
        entities = "(ARRAY['job_notes', 'measurements', 'checklist_answers', 'photos'])"
        _clone(
            conn,
            "change_log",
            rows,
            {
                "_skip": ("seq",),
                "entity": f"{entities}[1 + g % 4]",
                "entity_id": f"md5({entities}[1 + g % 4] || (g / 4)::text)::uuid",
                "op": "'upsert'",
                "job_id": _uuid("pj", f"(g / 4) % {jobs}"),
                "audience_id": "NULL",
                "at": "now() - interval '1 year' + (g || ' seconds')::interval",
            },
        )
        per_client = rows // len(techs)
        _clone(
            conn,
            "sync_clients",
            len(techs),
            {
                "id": _uuid("ps"),
                "user_id": f"({tech_array})[1 + g]",
                "last_mutation_id": str(per_client),
            },
        )
        _clone(
            conn,
            "sync_mutations",
            per_client * len(techs),
            {
                "client_id": _uuid("ps", f"g % {len(techs)}"),
                "mutation_id": f"1 + g / {len(techs)}",
                "name": "'add_note'",
                "status": "'applied'",
                "result": "json_build_object('mutation_id', "
                f"1 + g / {len(techs)}, 'status', 'applied')",
                "processed_at": "now() - interval '1 year' + (g || ' seconds')::interval",
            },
        )
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("VACUUM ANALYZE"))
        # Write the prefill's dirty pages out now, so the checkpoint it would cause
        # lands here and not in the middle of a measured round.
        conn.execute(sa.text("CHECKPOINT"))
    return rows
