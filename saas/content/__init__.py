"""A store's content: pages (About, FAQ, policies …) and the navigation menus that link to them."""
