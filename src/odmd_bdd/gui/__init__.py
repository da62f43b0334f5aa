"""The GUI layer's machinery: browser provisioning, generic page objects, network capture.

`browser` finds and launches Chromium; `pages` drives any web client that follows
docs/WEB_CLIENT_CONVENTION.md; `capture` checks every request the client sends against the
contracts; `session` is one scenario's browser context and its evidence. The actor that
uses them is `odmd_bdd.actors.gui.GuiActor`. Playwright is imported only by these modules,
so the API layer never loads it.
"""
