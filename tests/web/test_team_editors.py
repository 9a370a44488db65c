"""The Team page's editors for deliverables, certifications, training and skill levels: a
manager's change is saved and shown (through htmx, the editable part redrawn, and as a plain
form, the page again), a viewer gets no forms and a 403, a refused change shows its code next
to the field it is about, and a stale version says so."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.web.test_analysis_pages import Site, code_of, csrf, roles
from tests.web.test_team_pages import HTMX, _project, _version, site

__all__ = ["site"]  # the fixture, shared with the page tests


def _post(
    browser: TestClient, url: str, page: str, htmx: bool = True, **data: str
) -> tuple[int, str]:
    form = {"csrf_token": csrf(page), "version": _version(page), **data}
    answer = browser.post(url, data=form, headers=HTMX if htmx else {})
    return answer.status_code, answer.text


def _error_of(html: str, field_id: str) -> str:
    """The code shown next to a field (its message is tied to it by aria-describedby)."""
    found = re.search(rf'id="{field_id}"[^>]*aria-invalid="true" aria-describedby="([^"]+)"', html)
    assert found, f"{field_id} is not marked as refused"
    error = re.search(rf'<small id="{found.group(1)}"[^>]*>(.*?)</small>', html, re.S)
    assert error, f"no message for {field_id}"
    return code_of(error.group(0))


def _article(html: str, ident: str) -> str:
    return html.split(f'data-deliverable="{ident}"')[1].split("</article>", maxsplit=1)[0]


def test_a_viewer_reads_and_cannot_post(site: Site) -> None:
    key = _project(site)
    browsers = roles(site, key)
    page = browsers["owner"].get(f"/projects/{key}/team").text
    for form in ('id="deliverable-add"', 'id="skill-set"', 'id="certification-new-form"'):
        assert form in page
    assert 'id="training-new-form"' in page
    viewer = browsers["viewer"].get(f"/projects/{key}/team").text
    main = viewer.split("<main")[1]
    assert "<form" not in main
    assert "<button" not in main
    base = f"/projects/{key}/team"
    crafted = [
        (f"{base}/deliverables", {"id": "x", "name": "X"}),
        (f"{base}/deliverables/api-spec", {"name": "X"}),
        (f"{base}/deliverables/api-spec/delete", {}),
        (f"{base}/certifications", {"resource": "tp-bob", "name": "X"}),
        (f"{base}/certifications/0", {"resource": "tp-bob", "name": "X"}),
        (f"{base}/certifications/0/delete", {}),
        (f"{base}/training", {"resource": "tp-bob", "course": "X", "start": "2027-01-11"}),
        (f"{base}/training/0/delete", {}),
        (f"{base}/skills/set", {"person": "tp-bob", "skill": "go", "level": "3"}),
        (f"{base}/skills/remove", {"person": "tp-bob", "skill": "go"}),
    ]
    for url, data in crafted:
        status, _ = _post(browsers["viewer"], url, page, **data)
        assert status == 403, url
    unchanged = browsers["owner"].get(f"/projects/{key}/team").text
    assert _version(unchanged) == _version(page)


def test_a_manager_adds_edits_and_deletes_a_deliverable(site: Site) -> None:
    key = _project(site)
    owner = roles(site, key)["owner"]
    base = f"/projects/{key}/team/deliverables"
    page = owner.get(f"/projects/{key}/team").text
    editor = _article(page, "api-spec").split('class="deliverable-edit"')[1]
    assert ">Every endpoint documented\nReviewed by the architects</textarea>" in editor
    status, part = _post(
        owner,
        base,
        page,
        id="runbook",
        name="Runbook <ops>",
        acceptance="Reviewed\n\nTested by ops",
        owner="tp-bob",
        milestone="ship",
        status="planned",
    )
    assert status == 200, part
    assert "<html" not in part
    added = _article(part, "runbook")
    assert "Runbook &lt;ops&gt;" in added
    assert "<ops>" not in part
    assert "<li>Reviewed</li><li>Tested by ops</li>" in added
    assert "Bob Team" in added
    assert "Ship" in added
    # Edited without htmx: the page comes back at the deliverable, the sign-offs kept.
    status, _ = _post(
        owner, f"{base}/api-spec", part, htmx=False, name="API spec v2", status="delivered"
    )
    assert status == 303
    page = owner.get(f"/projects/{key}/team").text
    edited = _article(page, "api-spec")
    assert "API spec v2" in edited
    assert "status-delivered" in edited
    assert "name: API specification → API spec v2" in edited  # its history
    status, part = _post(owner, f"{base}/runbook/delete", page)
    assert status == 200, part
    assert 'data-deliverable="runbook"' not in part


def test_a_refused_deliverable_says_why_at_its_field(site: Site) -> None:
    key = _project(site)
    owner = roles(site, key)["owner"]
    base = f"/projects/{key}/team/deliverables"
    page = owner.get(f"/projects/{key}/team").text
    status, part = _post(owner, f"{base}/api-spec", page, name="API spec", owner="ghost")
    assert status == 422
    assert _error_of(part, "deliverable-1-owner") == "unknown_resource"
    assert 'value="ghost"' in part  # what was typed is kept
    status, part = _post(owner, f"{base}/api-spec", page, name="API spec", milestone="nowhere")
    assert _error_of(part, "deliverable-1-milestone") == "unknown_task"
    status, part = _post(owner, base, page, id="api-spec", name="Again")
    assert (status, _error_of(part, "deliverable-new-id")) == (422, "duplicate_id")
    status, part = _post(owner, base, page, id="new-one", name="")
    assert (status, _error_of(part, "deliverable-new-name")) == (422, "missing_key")
    # A stale version: said at the form, nothing saved.
    saved, current = _post(owner, f"{base}/api-spec", page, name="Renamed")
    assert saved == 200
    status, part = _post(owner, f"{base}/api-spec", page, name="Lost")
    assert status == 409
    error = part.split('id="deliverable-1-error"')[1].split("</p>")[0]
    assert code_of(error) == "version_mismatch"
    assert "changed by someone else" in error
    assert "Lost" not in _article(part, "api-spec").split("<details")[0]
    # Without htmx a refusal is the whole page, the message at the same field.
    plain = owner.post(
        f"{base}/api-spec",
        data={
            "csrf_token": csrf(current),
            "version": _version(current),
            "name": "X",
            "owner": "nobody",
        },
    )
    assert plain.status_code == 422
    assert "<html" in plain.text
    assert _error_of(plain.text, "deliverable-1-owner") == "unknown_resource"


def test_certifications_are_added_edited_refused_and_deleted(site: Site) -> None:
    key = _project(site)
    owner = roles(site, key)["owner"]
    base = f"/projects/{key}/team/certifications"
    page = owner.get(f"/projects/{key}/team").text
    status, part = _post(
        owner, base, page, resource="tp-alice", name="AWS <SA>", expires="2026-12-01"
    )
    assert status == 200, part
    table = part.split('id="certification-list"')[1].split("</table>")[0]
    assert "AWS &lt;SA&gt;" in table
    assert 'data-state="expired"' in table
    status, part = _post(
        owner, f"{base}/1", part, resource="tp-alice", name="AWS SA", expires="2029-12-01"
    )
    assert status == 200, part
    assert "<td>AWS SA</td><td></td><td>2029-12-01</td>" in part
    status, refused = _post(owner, f"{base}/1", part, resource="nobody", name="AWS SA")
    assert (status, _error_of(refused, "certification-1-resource")) == (422, "unknown_resource")
    status, refused = _post(
        owner, f"{base}/0", part, resource="tp-bob", name="CKA", issued="2027-01-01",
        expires="2026-01-01",
    )  # fmt: skip
    assert (status, _error_of(refused, "certification-0-expires")) == (422, "invalid_value")
    status, refused = _post(owner, base, part, resource="tp-bob", name="CKA", expires="soon")
    assert (status, _error_of(refused, "certification-new-expires")) == (422, "invalid_date")
    status, part = _post(owner, f"{base}/0/delete", part)
    assert status == 200, part
    assert "CKA" not in part.split('id="certification-list"')[1].split("</table>")[0]
    status, stale = _post(owner, f"{base}/0/delete", page)  # the page read before
    assert status == 409
    assert code_of(stale.split('id="certification-0-error"')[1]) == "version_mismatch"
    # An entry no longer there (a crafted place): said at the add form, not lost.
    status, gone = _post(owner, f"{base}/7", part, resource="tp-bob", name="X")
    assert status == 422
    assert code_of(gone.split('id="certification-new-error"')[1]) == "not_found"


def test_training_is_added_edited_refused_and_deleted(site: Site) -> None:
    key = _project(site)
    owner = roles(site, key)["owner"]
    base = f"/projects/{key}/team/training"
    page = owner.get(f"/projects/{key}/team").text
    status, _ = _post(
        owner,
        base,
        page,
        htmx=False,
        resource="tp-bob",
        course="Go in depth",
        start="2027-01-18",
        end="2027-01-19",
        cost="900",
    )
    assert status == 303
    page = owner.get(f"/projects/{key}/team").text
    plan = page.split('id="training-plan"')[1].split("</table>")[0]
    assert "<td>Bob Team</td><td>Go in depth</td><td>2027-01-18</td><td>2027-01-19</td>" in plan
    # Edited: the course's skill and level (not on the form) are kept.
    status, part = _post(
        owner, f"{base}/0", page, resource="tp-alice", course="Postgres tuning",
        start="2027-01-11", end="2027-01-13", cost="1800",
    )  # fmt: skip
    assert status == 200, part
    row = part.split('id="training-plan"')[1].split("</tr>")[1]
    assert "2027-01-13" in row
    assert "1800" in row
    assert "postgres to level 3" in row
    status, refused = _post(
        owner, f"{base}/0", part, resource="tp-alice", course="Postgres tuning",
        start="2027-01-11", end="2027-01-01",
    )  # fmt: skip
    assert (status, _error_of(refused, "training-0-end")) == (422, "invalid_value")
    status, refused = _post(owner, base, part, resource="tp-carol", course="X", start="2027-01-11")
    assert (status, _error_of(refused, "training-new-resource")) == (422, "unknown_resource")
    status, refused = _post(owner, base, part, resource="tp-bob", course="X")
    assert (status, _error_of(refused, "training-new-start")) == (422, "missing_key")
    status, refused = _post(
        owner, base, part, resource="tp-bob", course="X", start="2027-01-11", cost="lots"
    )
    assert status == 422
    assert _error_of(refused, "training-new-cost") != ""
    status, part = _post(owner, f"{base}/1/delete", part)
    assert status == 200
    assert "Go in depth" not in part
    status, stale = _post(owner, f"{base}/0/delete", page)
    assert status == 409
    assert code_of(stale.split('id="training-0-error"')[1]) == "version_mismatch"


def test_a_manager_sets_and_removes_a_skill_level(site: Site) -> None:
    key = _project(site)
    owner = roles(site, key)["owner"]
    base = f"/projects/{key}/team/skills"
    page = owner.get(f"/projects/{key}/team").text

    def cell(html: str, skill: str, person: str) -> str:
        row = html.split(f'<tr data-skill="{skill}">')[1].split("</tr>", maxsplit=1)[0]
        return row.split(f'data-person="{person}">')[1].split("</td>")[0]

    def set_level(html: str, person: str, skill: str, level: str) -> tuple[int, str]:
        versions = dict(re.findall(r'name="version-([\w-]+)" value="(\d+)"', html))
        data = {"csrf_token": csrf(html), f"version-{person}": versions[person]}
        answer = owner.post(
            f"{base}/set",
            data={**data, "person": person, "skill": skill, "level": level},
            headers=HTMX,
        )
        return answer.status_code, answer.text

    assert 'class="check-warning"><code>skill_gap</code>' in page
    # Bob's skills were names alone (level 1 each): they become levels, go kept.
    status, part = set_level(page, "tp-bob", "Postgres", "4")
    assert status == 200, part
    assert cell(part, "go", "tp-bob").split("<")[0].strip() == "1"
    status, part = set_level(part, "tp-alice", "postgres", "3")  # same skill, any case
    assert status == 200, part
    assert cell(part, "postgres", "tp-alice").split("<")[0].strip() == "3"
    assert "Postgres tuning" not in part.split('id="skill-gaps"')[-1].split("</section>")[0]
    status, refused = set_level(part, "tp-alice", "python", "9")
    assert (status, _error_of(refused, "skill-set-level")) == (422, "invalid_value")
    status, refused = set_level(part, "tp-alice", "", "2")
    assert (status, _error_of(refused, "skill-set-skill")) == (422, "missing_key")
    stale, _ = set_level(page, "tp-alice", "python", "5")  # the version read before
    assert stale == 409
    # Removed from its cell (the form names the person's own version).
    remove = cell(part, "go", "tp-bob")
    version = re.search(r'name="version" value="(\d+)"', remove)
    assert version is not None
    answer = owner.post(
        f"{base}/remove",
        data={"csrf_token": csrf(part), "version": version.group(1), "person": "tp-bob",
              "skill": "go"},
    )  # fmt: skip
    assert answer.status_code == 303
    page = owner.get(f"/projects/{key}/team").text
    assert '<tr data-skill="go">' not in page
    status, refused = _post(owner, f"{base}/remove", page, person="nobody", skill="go")
    assert status == 422
    assert "choose a person of this plan" in refused
