"""Report pages run a fixed number of queries, whether a province has ten trainees or a thousand."""
from __future__ import annotations

from app.accounts.models import Role, User
from app.extensions import cache, db
from app.progress.models import Enrollment
from app.reports import demo
from tests.factories import make_course

PAGES = ["/laporan/", "/laporan/wilayah/64.72", "/laporan/peserta", "/laporan/peserta?status=berjalan&q=a",
         "/laporan/perlu-diingatkan", "/laporan/peserta.csv"]


def _queries_per_page(client, count_queries) -> dict[str, int]:
    counts = {}
    for url in PAGES:
        cache.clear()  # count the queries of figures computed afresh, not of a cache read
        with count_queries() as statements:
            response = client.get(url)
            assert response.status_code == 200, url
            response.get_data()  # a streamed export runs its query while it is read
        counts[url] = len(statements)
    return counts


def test_query_count_does_not_grow_with_trainees(client, make_user, login_as, count_queries):
    make_course("kursus-a", modules=2, lessons=2)
    make_course("kursus-b", modules=1, lessons=3, sequential=False, with_quiz=False)
    login_as(make_user(Role.ADMIN, "64"))

    demo.fill_demo(10)
    db.session.commit()
    few = _queries_per_page(client, count_queries)

    demo.fill_demo(1000)  # bulk inserts: adds trainees 11..1000
    db.session.commit()
    assert db.session.scalar(db.select(db.func.count()).select_from(User).where(User.is_demo)) == 1000
    assert db.session.scalar(db.select(db.func.count()).select_from(Enrollment)) > 1000
    many = _queries_per_page(client, count_queries)

    assert many == few
    assert max(few.values()) < 15
