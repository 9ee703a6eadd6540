"""Printing a bench run: per engine the minimal bot against the assistant, round by round, the counts, the targets."""
from bench.load_run import BOT_GROUPS
from bench.replies import API_SECONDS, MEMBERS

KINDS_SHOWN = 14


def _cpu(f):
    split = f["cpu_ms"]
    counted = " + ".join(f"{g} {split.get(g, 0.0):.2f}" for g in BOT_GROUPS if split.get(g))
    return (f"{f['cpu_per_answer_ms']:5.2f} ms ({counted}; not counted: fake API {split.get('fake API', 0.0):.2f}, "
            f"other {split.get('other', 0.0):.2f})")


def _run_line(name, f, base=None):
    ratio = ""
    if base:
        ratio = (f"  [{f['cpu_per_answer_ms'] / max(base['cpu_per_answer_ms'], 1e-9):.2f}× CPU, "
                 f"{f['p99'] / max(base['p99'], 1e-9):.1f}× ack p99]")
    return (f"    {name:<18} {f['answered']:>5.0f} answers ({f['rps']:.0f}/s)  CPU per answer {_cpu(f)}\n"
            f"    {'':<18} ack p50 {f['p50']:.1f} ms, p99 {f['p99']:.1f} ms, longest {f['max']:.0f} ms; "
            f"reply p50 {f['reply_p50_ms']:.0f} ms, p99 {f['reply_p99_ms']:.0f} ms, "
            f"last {f['last_reply_after_load_s']:.1f} s "
            f"after the load, owed {f['replies_owed']}; RSS web {f['rss_mb']:.0f} MB, worker {f['worker_rss_mb']:.0f} MB"
            f"{ratio}")


def _counts(engine, counts):
    lines = []
    for bot in ("minimal", "assistant"):
        c = counts[bot]["counts"]
        trips = "" if engine == "sqlite" else " round trips web {:.1f}, worker {:.2f};".format(
            c["web"]["round_trips"], c["worker"]["round_trips"])
        lines.append(f"    {bot:<10} statements per answer: web {c['web']['statements']:.1f}, worker "
                     f"{c['worker']['statements']:.2f};{trips} ({counts[bot]['answered']:.0f} answers counted)")
    for role in ("web", "worker"):
        kinds = counts["assistant"]["counts"][role]["kinds"]
        shown = list(kinds.items())[:KINDS_SHOWN]
        rest = sum(v for _k, v in list(kinds.items())[KINDS_SHOWN:])
        lines.append(f"    assistant {role} by kind: " + ", ".join(f"{k} {v:.2f}" for k, v in shown)
                     + (f", others {rest:.2f}" if rest else ""))
    return lines


def _profile(engine, profiles):
    """Shares of the sampled CPU time: the profiler slows every Python call, so read shares, not milliseconds."""
    lines = []
    for role, p in profiles.items():
        total = max(p["cpu_ms_per_answer"], 1e-9)
        areas = ", ".join(f"{k} {v / total:.0%}" for k, v in list(p["areas"].items())[:10])
        lines.append(f"    profile of the assistant's {role} (CPU samples, {total:.1f} ms an answer under the "
                     f"profiler): {areas}")
        lines.append("      most own time: " + "; ".join(f"{k} {v / total:.1%}" for k, v in list(p["functions"].items())[:8]))
        lines.append(f"      the whole tree: {p['file']}")
    return lines


def engine_report(engine, r):
    s = r["summary"]
    st = r["settings"]
    print(f"{engine}: {st['paced_rate']:.0f} answers a second (paced) from {st['users']} leaders, "
          f"{st['duration_s']} s a run; "
          f"gunicorn as the Procfile starts it: {st['web_processes']} web process(es) × {st['threads']} threads"
          + ("; SQLite runs inside the web process and the worker" if engine == "sqlite" else ""))
    for n, rnd in enumerate(r["rounds"], 1):
        print(f"  round {n}:")
        print(_run_line("minimal bot", rnd["minimal"]))
        print(_run_line("assistant", rnd["assistant"], rnd["minimal"]))
    a, m = s["assistant"], s["minimal"]
    print(f"  means: CPU per answer {a['cpu_per_answer_ms']:.2f} ms vs {m['cpu_per_answer_ms']:.2f} ms = "
          f"{s['cpu_ratio']:.2f}× (rounds: {', '.join(f'{x:.2f}×' for x in s['cpu_ratios'])}); ack p99 "
          f"{a['p99']:.1f} vs {m['p99']:.1f} ms = {s['p99_ratio']:.1f}× (rounds: "
          f"{', '.join(f'{x:.1f}×' for x in s['p99_ratios'])}); reply p99 {a['reply_p99_ms']:.0f} vs "
          f"{m['reply_p99_ms']:.0f} ms; last reply {a['last_reply_after_load_s']:.1f} vs "
          f"{m['last_reply_after_load_s']:.1f} s after the load")
    split = "; ".join(f"{g} {a['cpu_ms'].get(g, 0):.2f} vs {m['cpu_ms'].get(g, 0):.2f}" for g in BOT_GROUPS
                      if a["cpu_ms"].get(g) or m["cpu_ms"].get(g))
    print(f"  CPU per answer by process, ms (assistant vs minimal): {split}")
    ex = s["exports"]
    print(f"  with {r['export_users']} users exporting: answers' ack p99 {ex['p99']:.1f} ms, longest "
          f"{ex['answers_max']:.0f} ms; the export users' longest {ex['users_max']:.0f} ms ("
          + ", ".join(f"{k} {v:.0f}" for k, v in ex["steps"].items()) + f"); {ex['loops']} loops, "
          f"{ex['documents']} documents in {ex['document_p50_s']:.1f} s (median), {ex['document_max_s']:.1f} s at most; "
          f"RSS web {ex['rss_mb']:.0f} MB, worker {ex['worker_rss_mb']:.0f} MB; errors {ex['errors']}"
          + (f" e.g. {ex['error_samples'][0]}" if ex["error_samples"] else ""))
    if "console" in r:
        run, c = r["console"], r["console"]["console"]
        print(f"  console ({c['units']} units, {c['studios']} studios; {c['clerks']} clerks as the group union): "
              f"board p50 {c['board']['p50']:.0f} / p99 {c['board']['p99']:.0f} / longest {c['board']['max']:.0f} ms "
              f"over {c['board']['pages']} pages; application p50 {c['application']['p50']:.0f} / p99 "
              f"{c['application']['p99']:.0f} / longest {c['application']['max']:.0f} ms over "
              f"{c['application']['pages']} pages; the answers meanwhile: ack p99 {run['p99']:.1f} ms, "
              f"{run['rps']:.0f} a second; errors {c['errors']}" + (f" e.g. {c['error_samples'][0]}" if c["error_samples"] else ""))
    print("  counted (a run of its own per bot: PostgreSQL through a counting proxy, SQLite by its trace callback):")
    for line in _counts(engine, r["counts"]):
        print(line)
    for line in _profile(engine, r.get("profile") or {}):
        print(line)
    if "floor" in r:
        fl, full = r["floor"], r["full_load"]
        print(f"  information, full speed: insert-only floor {fl['rps']:.0f} req/s (p99 {fl['p99']:.0f} ms, CPU "
              f"{sum(v for k, v in fl['cpu_ms'].items() if k in BOT_GROUPS):.2f} ms a request); assistant "
              f"{full['rps']:.0f} req/s (p99 {full['p99']:.0f} ms, CPU {full['cpu_per_answer_ms']:.2f} ms an answer, "
              f"reply p99 {full['reply_p99_ms'] / 1000:.1f} s, owed {full['replies_owed']})")
    c = r["committed"]
    print("  committed: " + "; ".join(f"{bot} {x['acknowledged']:.0f} acknowledged, {x['inbox']} inbox rows, "
                                        f"{x['outbox']} replies" for bot, x in c.items()) + f"; errors {r['errors']:.0f}")
    for name, ok in r["targets"].items():
        print(f"  target {name}: {'met' if ok else 'NOT met'}")


def report(results, engines):
    print()
    print(f"commit {results['commit']}, {results['settings']['cores']} cores, load average "
          f"{results['load_average_before'][0]:.2f} before, {results['load_average_after'][0]:.2f} after "
          f"(other work on the machine shares the cores: compare ratios)")
    for engine in engines:
        if engine in results:
            engine_report(engine, results[engine])
    rd = results["render"]
    print(f"render of the whole form (20 core members): {rd['median_s']:.3f} s median of {rd['renders']}, "
          f"{rd['max_s']:.3f} s at most")
    b = results["broadcast"]
    print(f"broadcast to {b['recipients']} WeCom users: {b['api_calls']} message/send calls "
          f"({b['min_calls']} is the least the API allows), {b['seconds']:.2f} s, "
          f"of which {b['api_seconds']:.2f} s waiting on the API")
    for name, label in (("texts", "plain texts"), ("texts_and_cards", "texts alternating with cards")):
        x = results["slow_api_replies"][name]
        print(f"replies against a {API_SECONDS * 1000:.0f} ms API, {x['replies']} to {MEMBERS} members, {label}: "
              f"{x['calls']} message/send calls, {x['seconds']:.1f} s, {x['replies_per_s']:.0f} replies/s")
