from playwright.sync_api import Page

from diary.clock import utcnow
from diary.extensions import db
from diary.simulator import demo
from tests.conftest import PASSWORD
from tests.e2e.flows import log_in_staff


def test_shots(app, page: Page):
    with app.app_context():
        built = demo.build_demo(utcnow(), PASSWORD, cohort_size=demo.DEMO_COHORT_SIZE)
        ids = {p.person.display_name: pid for pid, p in built.patients}
        db.session.remove()
    log_in_staff(page, app, demo.DEMO_CLINICIAN.email)
    for width, height in ((1280, 900), (390, 844), (360, 740)):
        page.set_viewport_size({"width": width, "height": height})
        page.goto("/clinic/patients")
        page.screenshot(path=f"/tmp/shots/list-{width}.png", full_page=True)
        page.goto(f"/clinic/patients/{ids['Robert Miller']}")
        page.wait_for_timeout(500)
        page.screenshot(path=f"/tmp/shots/review-failure-{width}.png", full_page=False)
        page.goto("/clinic/cohort")
        page.wait_for_timeout(500)
        page.screenshot(path=f"/tmp/shots/cohort-{width}.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/clinic/patients?filter=attention")
    page.screenshot(path="/tmp/shots/list-attention-1280.png", full_page=True)
    pdf = page.request.get(f"/clinic/patients/{ids['Robert Miller']}/report.pdf")
    open("/tmp/shots/report-failure.pdf", "wb").write(pdf.body())
    page.goto("/clinic/patients?sort=name&page=2")
    page.screenshot(path="/tmp/shots/list-page2-1280.png", full_page=True)
