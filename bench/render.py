"""The render time of the whole 申报审批表 (20 core members, all four opinions), in this process.

The values are tests/test_documents.py's full application; this is what the worker's
``application_docx`` task spends per new version of an application.
"""
import statistics
import time

RENDERS = 10


def run(renders=RENDERS):
    from handlers.application.docx_render import render_application_docx
    from handlers.application.schema import application_form
    from tests.support.documents import OPINIONS, YEAR, _answers
    form, values = application_form(YEAR), _answers()
    assert len(values["members"]) == 20
    render_application_docx(form, values, year=YEAR, opinions=OPINIONS)      # imports, template cache
    times, size = [], 0
    for _ in range(renders):
        started = time.perf_counter()
        size = len(render_application_docx(form, values, year=YEAR, opinions=OPINIONS))
        times.append(time.perf_counter() - started)
    return {"renders": renders, "members": 20, "median_s": statistics.median(times), "max_s": max(times),
            "min_s": min(times), "bytes": size}


if __name__ == "__main__":
    print(run())
