"""Board files of the kinds the synthetic world does not write, for the loopback board
server's tests and the live-ingest tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

STORY = "44434576"


def write_other_kinds(root: Path) -> None:
    """One small file for each kind the synthetic world does not write."""

    def put(rel: str, doc: Any) -> None:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(doc if isinstance(doc, str) else json.dumps(doc), encoding="utf-8")

    put(
        "recruitee/acme.json",
        {"offers": [{"id": 1, "title": "Backend Engineer"}, {"id": 2, "title": "Designer"}]},
    )
    put(
        "personio/acme.xml",
        '<?xml version="1.0" encoding="UTF-8"?>\n<workzag-jobs>'
        "<position><id>11</id><name>Data Analyst</name></position>"
        "<position><id>12</id><name>Office Manager</name></position></workzag-jobs>",
    )
    put(
        "remotive/remote-jobs.json",
        {
            "00-warning": "Remotive API: please link back",
            "job-count": 3,
            "jobs": [
                {"id": 1, "title": "Python Developer", "company_name": "Acme", "description": "x"},
                {"id": 2, "title": "Product Designer", "company_name": "Globex"},
                {"id": 3, "title": "Data Engineer", "description": "Python and dbt"},
            ],
        },
    )
    put(
        "workable/kahoot.json",
        {
            "name": "Kahoot!",
            "jobs": [
                {"shortcode": "5EA5DDE797", "title": "Backend Engineer"},
                {"shortcode": "A1B2C3D4E5", "title": "Product Designer"},
            ],
        },
    )
    put(
        "smartrecruiters/hitachi.json",
        {
            "offset": 0,
            "limit": 100,
            "totalFound": 3,
            "content": [
                {
                    "id": f"74400014642246{i}",
                    "name": f"Engineer {i}",
                    "releasedDate": "2026-08-20T09:14:54.288Z",
                    "company": {"identifier": "hitachi", "name": "Hitachi Solutions"},
                    "ref": f"https://api.smartrecruiters.com/v1/companies/hitachi/postings/{i}",
                    "jobAd": {"sections": {"jobDescription": {"title": "Job", "text": "<p>x</p>"}}},
                }
                for i in range(3)
            ],
        },
    )
    put(
        "remoteok/remoteok.json",
        [
            {"legal": "API Terms of Service", "last_updated": 1785400000},
            {"id": "1130234", "position": "Senior Python Engineer", "company": "Acme"},
            {"id": "1130199", "position": "Support Lead", "company": "Globex"},
        ],
    )
    put(
        "himalayas/jobs.json",
        {
            "updatedAt": 1785390000,
            "totalCount": 3,
            "jobs": [
                {"guid": f"https://himalayas.app/companies/acme/jobs/{i}", "title": f"Job {i}"}
                for i in range(3)
            ],
        },
    )
    hits = [
        {
            "objectID": str(100 + i),
            "comment_text": f"Acme {i} | Senior Backend Engineer | Remote",
            "created_at_i": 1782918000 + i * 60,
            "parent_id": int(STORY),
            "story_id": int(STORY),
            "_tags": ["comment", f"story_{STORY}"],
        }
        for i in range(4)
    ]
    hits.append({**hits[0], "objectID": "999", "parent_id": 100})  # a reply: not a posting
    put(f"hackernews/{STORY}.json", {"hits": hits, "nbHits": len(hits)})
    items = "".join(
        f"<item><title>Acme: Role {i}</title><link>https://weworkremotely.com/remote-jobs/{i}"
        f"</link><guid>https://weworkremotely.com/remote-jobs/{i}</guid></item>"
        for i in range(2)
    )
    put(
        "weworkremotely/remote-programming-jobs.xml",
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>WWR</title>{items}'
        "</channel></rss>",
    )
