"""The service center's console under /admin/: server-rendered pages (zh-CN first, English
beside it; no inline script under the strict CSP), signed in as admin or dispatcher.

Each page module registers its routes on `bp` and its place in the menu with `menu()`.
"""
