"""axe-core in a Playwright page: inject once, run in several layouts and schemes.

The axe script comes from the `axe-playwright-python` package (it ships
axe.min.js, so nothing is downloaded). Its own `Axe.run` injects the 500 KB
script on every call; a page here is checked four times (desktop and phone, light
and dark), so the script is injected once per page load and `axe.run` is called
directly.
"""

from __future__ import annotations

from dataclasses import dataclass

from e2e_support import DESKTOP, PHONE

# Impacts that fail a page outright.
BLOCKING_IMPACTS = ("serious", "critical")

# Moderate findings we keep on purpose, each explained in the README's
# "Accessibility" section (test_readme_explains_every_kept_moderate_finding checks it).
EXPLAINED_MODERATE: dict[str, str] = {}

# Dark mode changes only the colour custom properties (assets/style.css), so the
# markup and layout axe sees are the same as in light mode: the dark run checks
# the rules about colour; the light run checks everything.
COLOUR_RULES = ["color-contrast", "link-in-text-block"]

LAYOUTS = (("desktop", DESKTOP), ("phone", PHONE))
SCHEMES = ("light", "dark")


@dataclass(frozen=True)
class Finding:
    """One axe violation on one page in one layout and colour scheme."""
    where: str          # "/friends desktop dark"
    rule: str
    impact: str
    targets: tuple[str, ...]
    help: str

    def __str__(self) -> str:
        return f"{self.where}: {self.rule} ({self.impact}) {self.help} at {', '.join(self.targets)}"


def axe_script() -> str:
    from axe_playwright_python.base import AXE_SCRIPT  # imported late: skip-friendly
    return AXE_SCRIPT


def check_page(page, label: str) -> list[Finding]:
    """Run axe on the page already loaded in `page` in every layout and scheme;
    the page is left at desktop size in the light scheme."""
    page.evaluate(axe_script())
    findings: list[Finding] = []
    for layout, viewport in LAYOUTS:
        page.set_viewport_size(viewport)
        for scheme in SCHEMES:
            # Reduced motion: the stylesheet then turns transitions off, so colours
            # are read at their final values, not halfway through a fade.
            page.emulate_media(color_scheme=scheme, reduced_motion="reduce")
            options = {"resultTypes": ["violations"]}
            if scheme == "dark":
                options["runOnly"] = {"type": "rule", "values": COLOUR_RULES}
            result = page.evaluate("options => axe.run(document, options)", options)
            findings += [_finding(f"{label} {layout} {scheme}", v) for v in result["violations"]]
    page.set_viewport_size(DESKTOP)
    page.emulate_media(color_scheme="light", reduced_motion="reduce")
    return findings


def unacceptable(findings: list[Finding]) -> list[Finding]:
    """Findings that fail: serious or critical ones, and moderate ones nobody explained."""
    return [f for f in findings if f.impact in BLOCKING_IMPACTS
            or (f.impact == "moderate" and f.rule not in EXPLAINED_MODERATE)]


def _finding(where: str, violation: dict) -> Finding:
    targets = tuple(" ".join(map(str, node["target"])) for node in violation["nodes"])
    return Finding(where, violation["id"], violation.get("impact") or "unknown", targets,
                   violation.get("help", ""))
