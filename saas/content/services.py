"""The rules of pages and menus: saving sanitized rich text, default pages for new stores, menus and their links.

Functions add and flush but never commit; the request or job that calls them commits once. Validation
failures raise ContentErrors mapping a field to its message, before anything is written.
"""
import re
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from markupsafe import escape
from sqlalchemy import and_, bindparam, delete, select

from saas.catalog.models import Collection, Product, ProductStatus, SlugRedirect
from saas.catalog.services import (
    CatalogErrors,
    check_listing_fields,
    record_slug_change,
    sanitize_html,
    slugify,
    unique_slug,
)
from saas.content.models import MENU_HANDLES, LinkType, Menu, MenuItem, Page
from saas.extensions import db
from saas.ids import new_id, parse_id

MAX_MENU_ITEMS = 100
MAX_TITLE = 255
MAX_URL = 2000
TARGET_MODELS = {LinkType.COLLECTION: Collection, LinkType.PRODUCT: Product, LinkType.PAGE: Page}


class ContentErrors(CatalogErrors):
    """Several fields failed at once; `errors` maps field name to message (as the catalog's errors do)."""


# Pages


def check_page_fields(title: str, slug: str, seo_title: str, seo_description: str) -> dict:
    return check_listing_fields(
        title, slug, seo_title, seo_description, missing_title=_l("Give the page a title."),
        slug_hint=_l("Use lowercase letters, digits and hyphens, such as about-us."))


def save_page(page: Page | None, *, title: str, body_html: str = "", slug: str = "", seo_title: str = "",
              seo_description: str = "", published: bool = True) -> Page:
    """Create (page=None) or update a page of the bound store; the body is sanitized, a new slug keeps a 301."""
    slug = (slug or "").strip()
    errors = check_page_fields(title, slug, seo_title, seo_description)
    if errors:
        raise ContentErrors(errors)
    wanted = slug or slugify(title) or "page"
    if page is None:
        page = Page(id=new_id(), slug=unique_slug(Page, wanted))
        db.session.add(page)
    elif wanted != page.slug:
        new_slug = unique_slug(Page, wanted, exclude_id=page.id)
        record_slug_change("page", page.id, page.slug, new_slug)
        page.slug = new_slug
    page.title = title.strip()
    page.body_html = sanitize_html(body_html)
    page.seo_title = (seo_title or "").strip()
    page.seo_description = (seo_description or "").strip()
    page.published = bool(published)
    db.session.flush()
    return page


def delete_page(page: Page) -> None:
    """Delete a page; menu items that linked to it are skipped from then on (the builder flags them)."""
    db.session.execute(delete(SlugRedirect).where(SlugRedirect.kind == "page", SlugRedirect.target_id == page.id))
    db.session.delete(page)
    db.session.flush()


def page_by_slug(slug: str, published_only: bool = True) -> Page | None:
    statement = select(Page).where(Page.slug == slug)
    if published_only:
        statement = statement.where(Page.published.is_(True))
    return db.session.scalar(statement)


def page_by_id(page_id: int) -> Page | None:
    return db.session.scalar(select(Page).where(Page.id == page_id))


def all_pages() -> list[Page]:
    return list(db.session.scalars(select(Page).order_by(Page.title, Page.id)))


# Menus


@dataclass
class MenuLink:
    """A menu item as a storefront shows it: where it goes, and its nested items."""

    title: str
    url: str
    link_type: str = "url"
    children: list["MenuLink"] = field(default_factory=list)


def menu_by_handle(handle: str) -> Menu | None:
    return db.session.scalar(select(Menu).where(Menu.handle == handle))


def menu_items(menu: Menu) -> list[MenuItem]:
    """The menu's items in display order: each top-level item followed by its nested ones."""
    rows = list(db.session.scalars(
        select(MenuItem).where(MenuItem.menu_id == menu.id).order_by(MenuItem.position, MenuItem.id)
    ))
    children: dict[int, list[MenuItem]] = {}
    for row in rows:
        if row.parent_id is not None:
            children.setdefault(row.parent_id, []).append(row)
    ordered = []
    for row in rows:
        if row.parent_id is None:
            ordered.append(row)
            ordered.extend(children.get(row.id, []))
    return ordered


def _slugs(items, visible_only: bool) -> dict[tuple[LinkType, int], str]:
    """(type, id) -> slug for every target the items name, in one query per type."""
    wanted: dict[LinkType, set[int]] = {}
    for item in items:
        link_type = LinkType(item.link_type)
        if link_type in TARGET_MODELS and item.target_id is not None:
            wanted.setdefault(link_type, set()).add(item.target_id)
    found = {}
    for link_type, ids in wanted.items():
        model = TARGET_MODELS[link_type]
        statement = select(model.id, model.slug).where(model.id.in_(ids))
        if visible_only and model is Product:
            statement = statement.where(Product.status == ProductStatus.ACTIVE)
        if visible_only and model is Page:
            statement = statement.where(Page.published.is_(True))
        for target_id, slug in db.session.execute(statement):
            found[(link_type, target_id)] = slug
    return found


def _link(link_type: LinkType, url: str | None, slug: str | None) -> str | None:
    """Where a menu item points, given its target's slug (None: the target is gone or hidden)."""
    if link_type == LinkType.HOME:
        return "/"
    if link_type == LinkType.ALL_PRODUCTS:
        return "/collections/all"
    if link_type == LinkType.URL:
        return url or None
    return None if slug is None else f"/{_SLUG_OF[link_type][1]}/{slug}"


def _url(item, slugs: dict) -> str | None:
    link_type = LinkType(item.link_type)
    return _link(link_type, item.url, slugs.get((link_type, item.target_id)))


def resolve_url(item, visible_only: bool = False) -> str | None:
    """The storefront path of a menu item (Shopify's: /, /collections/all, /collections/<slug>, /products/<slug>,
    /pages/<slug>) or its URL; None when the product, collection or page it names is gone (or hidden)."""
    return _url(item, _slugs([item], visible_only))


def get_menu(handle: str) -> list[MenuLink]:
    """The bound store's menu as shoppers see it (see get_menus)."""
    return get_menus(handle)[handle]


def get_menus(*handles: str) -> dict[str, list[MenuLink]]:
    """The bound store's menus as shoppers see them, in one query however many there are. Items whose target
    was deleted (or is a draft product or an unpublished page, which shoppers can't open) are skipped, with
    what is nested under them."""
    rows = db.session.execute(_MENU_ROWS, {"handles": list(handles)}).all()
    menus: dict[str, list[MenuLink]] = {handle: [] for handle in handles}
    by_id: dict[int, MenuLink] = {}
    for row in sorted(rows, key=lambda row: row.parent_id is not None):  # parents first, order kept
        url = _row_url(row)
        if url is None:
            continue
        link = MenuLink(title=row.title, url=url, link_type=LinkType(row.link_type).value)
        if row.parent_id is None:
            by_id[row.id] = link
            menus[row.handle].append(link)
        elif row.parent_id in by_id:
            by_id[row.parent_id].children.append(link)
    return menus


def _target_join(model, link_type: LinkType, *visible):
    """The ON clause that finds an item's target (only for items of that link type), with the item's store."""
    return and_(MenuItem.link_type == link_type, model.tenant_id == MenuItem.tenant_id,
                model.id == MenuItem.target_id, *visible)


# Built once (the tenant filter is added to every table of it when it runs, in the joins' ON clauses): the
# items of the menus asked for, each with its target's slug when that target exists and shoppers may see it.
_MENU_ROWS = (
    select(Menu.handle, MenuItem.id, MenuItem.parent_id, MenuItem.title, MenuItem.link_type, MenuItem.url,
           Collection.slug.label("collection_slug"), Product.slug.label("product_slug"), Page.slug.label("page_slug"))
    .select_from(MenuItem)
    .join(Menu, and_(Menu.tenant_id == MenuItem.tenant_id, Menu.id == MenuItem.menu_id))
    .outerjoin(Collection, _target_join(Collection, LinkType.COLLECTION))
    .outerjoin(Product, _target_join(Product, LinkType.PRODUCT, Product.status == ProductStatus.ACTIVE))
    .outerjoin(Page, _target_join(Page, LinkType.PAGE, Page.published.is_(True)))
    .where(Menu.handle.in_(bindparam("handles", expanding=True)))
    .order_by(MenuItem.position, MenuItem.id)
)
_SLUG_OF = {LinkType.COLLECTION: ("collection_slug", "collections"), LinkType.PRODUCT: ("product_slug", "products"),
            LinkType.PAGE: ("page_slug", "pages")}


def _row_url(row) -> str | None:
    """What _url() says for an item, from a _MENU_ROWS row (None: its target is gone or hidden)."""
    link_type = LinkType(row.link_type)
    slug = getattr(row, _SLUG_OF[link_type][0]) if link_type in _SLUG_OF else None
    return _link(link_type, row.url, slug)


def broken_item_ids(items: list[MenuItem]) -> set[int]:
    """The items whose product, collection or page no longer exists, for the builder to flag."""
    slugs = _slugs(items, visible_only=False)
    return {item.id for item in items if LinkType(item.link_type) in TARGET_MODELS and _url(item, slugs) is None}


_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def clean_url(url: str) -> tuple[str, str | None]:
    """(the URL trimmed, None) or (url, why it is refused). Allowed: http(s)://…, mailto:, tel:, or a path "/…"."""
    url = (url or "").strip()
    if not url:
        return url, _l("Enter a web address, such as https://instagram.com/tokoanda or /collections/sale.")
    if len(url) > MAX_URL:
        return url, _l("Use at most %(max)d characters.", max=MAX_URL)
    if any(ch.isspace() or ord(ch) < 32 for ch in url):
        return url, _l("A web address can't contain spaces.")
    lowered = url.lower()
    if lowered.startswith(("http://", "https://")):
        if len(url.split("://", 1)[1].split("/", 1)[0]) == 0:
            return url, _l("Add the site's name after https://.")
        return url, None
    if lowered.startswith(("mailto:", "tel:")) and len(url.split(":", 1)[1]) > 0:
        return url, None
    if url.startswith("/") and not url.startswith("//") and "\\" not in url:
        return url, None
    if _SCHEME.match(url):
        return url, _l("Only web addresses that start with https://, http:// or / can be used.")
    return url, _l("Start the address with https:// for another site, or with / for a page of your store.")


def save_menu(handle: str, items: list[dict], title: str | None = None) -> Menu:
    """Replace the menu's items. `items`: [{"title", "link_type", "target_id", "url", "children": [...]}], in order.

    Errors are keyed "item_<n>_<field>", n counting items depth-first (as the editor lists them),
    or "items" for the whole menu.
    """
    if handle not in MENU_HANDLES:
        raise ContentErrors({"items": _l("There is no such menu.")})
    errors: dict = {}
    cleaned: list[dict] = []
    n = 0
    existing = {}  # (type, id) pairs to check in one query per type

    def clean(item: dict, depth: int) -> dict | None:
        nonlocal n
        index = n
        n += 1
        key = f"item_{index}_"
        title_text = re.sub(r"\s+", " ", str(item.get("title") or "")).strip()
        if not title_text:
            errors[key + "title"] = _l("Give the menu item a name.")
        elif len(title_text) > MAX_TITLE:
            errors[key + "title"] = _l("Use at most %(max)d characters.", max=MAX_TITLE)
        try:
            link_type = LinkType(item.get("link_type") or "")
        except ValueError:
            errors[key + "link"] = _l("Choose where the item links to.")
            link_type = None
        target_id, url = None, ""
        if link_type in TARGET_MODELS:
            raw = item.get("target_id")
            target_id = parse_id(raw)
            if target_id is None:
                errors[key + "link"] = _l("Choose where the item links to.")
            else:
                existing.setdefault(link_type, set()).add(target_id)
        elif link_type == LinkType.URL:
            url, problem = clean_url(item.get("url") or "")
            if problem:
                errors[key + "url"] = problem
        children = [clean(child, depth + 1) for child in item.get("children") or []]
        if children and depth >= 1:
            errors[key + "nesting"] = _l("Menu items can be nested one level only.")
        return {"index": index, "title": title_text, "link_type": link_type, "target_id": target_id, "url": url,
                "children": children}

    for item in items:
        cleaned.append(clean(item, 0))
    if n > MAX_MENU_ITEMS:
        errors["items"] = _l("A menu can have at most %(n)d items.", n=MAX_MENU_ITEMS)
    found = {
        (link_type, target_id)
        for link_type, ids in existing.items()
        for target_id in db.session.scalars(select(TARGET_MODELS[link_type].id).where(TARGET_MODELS[link_type].id.in_(ids)))
    }

    def check_targets(item):
        if item["link_type"] in TARGET_MODELS and item["target_id"] is not None:
            if (item["link_type"], item["target_id"]) not in found:
                errors[f"item_{item['index']}_link"] = _l("That no longer exists in your store. Choose another link.")
        for child in item["children"]:
            check_targets(child)

    for item in cleaned:
        check_targets(item)
    if errors:
        raise ContentErrors(errors)

    menu = menu_by_handle(handle)
    if menu is None:
        menu = Menu(id=new_id(), handle=handle, title=title or handle)
        db.session.add(menu)
    elif title:
        menu.title = title
    db.session.execute(delete(MenuItem).where(MenuItem.menu_id == menu.id))
    db.session.flush()
    parents = []
    for position, item in enumerate(cleaned):
        row = _item_row(menu, item, position, None)
        parents.append((row, item))
    db.session.flush()  # parents first: children point at them through a foreign key
    for row, item in parents:
        for position, child in enumerate(item["children"]):
            _item_row(menu, child, position, row.id)
    db.session.flush()
    return menu


def _item_row(menu: Menu, item: dict, position: int, parent_id: int | None) -> MenuItem:
    row = MenuItem(id=new_id(), menu_id=menu.id, parent_id=parent_id, position=position, title=item["title"],
                   link_type=item["link_type"], target_id=item["target_id"], url=item["url"])
    db.session.add(row)
    return row


def menu_as_items(menu: Menu | None) -> list[dict]:
    """A saved menu in the shape save_menu takes (for editing, and for tests)."""
    if menu is None:
        return []
    result, by_id = [], {}
    for row in menu_items(menu):
        entry = {"id": row.id, "title": row.title, "link_type": LinkType(row.link_type).value,
                 "target_id": row.target_id, "url": row.url, "children": []}
        if row.parent_id is None:
            by_id[row.id] = entry
            result.append(entry)
        elif row.parent_id in by_id:
            by_id[row.parent_id]["children"].append(entry)
    return result


# What a new store starts with


def _contact_lines(tenant, labels: dict) -> str:
    lines = [f"<li>{labels['email']}: <a href=\"mailto:{escape(tenant.contact_email)}\">{escape(tenant.contact_email)}</a></li>"]
    if tenant.contact_phone:
        lines.append(f"<li>{labels['phone']}: {escape(tenant.contact_phone)}</li>")
    if tenant.address:
        lines.append(f"<li>{labels['address']}: {escape(tenant.address)}</li>")
    return "<ul>" + "".join(lines) + "</ul>"


def _drafts_id(tenant) -> list[dict]:
    name = escape(tenant.name)
    contact = _contact_lines(tenant, {"email": "Email", "phone": "Telepon/WhatsApp", "address": "Alamat"})
    return [
        {"key": "about", "slug": "tentang-kami", "title": "Tentang Kami", "body": (
            f"<p>Selamat datang di {name}! Kami senang Anda mampir.</p>"
            "<h2>Cerita kami</h2>"
            "<p>Ceritakan di sini bagaimana toko Anda bermula, siapa orang-orang di baliknya, dan apa yang membuat "
            "produk Anda istimewa. Pembeli lebih percaya pada toko yang mereka kenal.</p>"
            "<h2>Yang kami janjikan</h2>"
            "<ul><li>Produk sesuai foto dan deskripsi.</li><li>Pesanan dikemas rapi dan dikirim secepatnya.</li>"
            "<li>Kami membalas pertanyaan Anda dengan ramah.</li></ul>"
        )},
        {"key": "contact", "slug": "kontak", "title": "Kontak", "body": (
            f"<p>Ada pertanyaan tentang produk atau pesanan Anda? Tim {name} siap membantu.</p>"
            f"{contact}"
            "<p>Kami membalas pesan pada hari kerja, Senin–Jumat pukul 09.00–17.00. Untuk pertanyaan tentang "
            "pesanan, sertakan nomor pesanan Anda agar kami bisa membantu lebih cepat.</p>"
        )},
        {"key": "faq", "slug": "faq", "title": "Tanya Jawab (FAQ)", "body": (
            "<h2>Bagaimana cara memesan?</h2>"
            "<p>Pilih produk, masukkan ke keranjang, lalu ikuti langkah checkout. Anda akan menerima konfirmasi "
            "pesanan melalui email.</p>"
            "<h2>Metode pembayaran apa saja yang tersedia?</h2>"
            "<p>Metode pembayaran yang tersedia ditampilkan saat checkout, misalnya transfer bank.</p>"
            "<h2>Berapa lama pesanan saya sampai?</h2>"
            "<p>Pesanan dikirim dalam 1–2 hari kerja setelah pembayaran kami terima. Lama pengiriman tergantung "
            "kurir dan kota tujuan; lihat <a href=\"/pages/kebijakan-pengiriman\">Kebijakan Pengiriman</a>.</p>"
            "<h2>Bisakah saya menukar atau mengembalikan barang?</h2>"
            "<p>Bisa, dengan syarat tertentu. Baca <a href=\"/pages/kebijakan-pengembalian\">Kebijakan "
            "Pengembalian</a> kami.</p>"
        )},
        {"key": "shipping", "slug": "kebijakan-pengiriman", "title": "Kebijakan Pengiriman", "body": (
            "<h2>Waktu pemrosesan</h2>"
            "<p>Pesanan kami kemas dan kirim dalam 1–2 hari kerja setelah pembayaran diterima. Pesanan yang masuk "
            "pada hari Minggu atau hari libur nasional diproses pada hari kerja berikutnya.</p>"
            "<h2>Kurir dan ongkos kirim</h2>"
            "<p>Kami mengirim ke seluruh Indonesia. Ongkos kirim dihitung saat checkout berdasarkan berat paket "
            "dan alamat tujuan.</p>"
            "<h2>Nomor resi</h2>"
            "<p>Setelah paket dikirim, kami mengirimkan nomor resi agar Anda dapat melacak paket Anda.</p>"
            f"<p>Paket belum sampai juga? Hubungi kami di <a href=\"mailto:{escape(tenant.contact_email)}\">"
            f"{escape(tenant.contact_email)}</a>.</p>"
        )},
        {"key": "returns", "slug": "kebijakan-pengembalian", "title": "Kebijakan Pengembalian", "body": (
            "<p>Kami ingin Anda puas dengan belanjaan Anda. Jika ada masalah, kami siap membantu.</p>"
            "<h2>Syarat pengembalian</h2>"
            "<ul><li>Ajukan pengembalian paling lambat 7 hari setelah paket diterima.</li>"
            "<li>Barang belum dipakai, belum dicuci, dan label masih terpasang.</li>"
            "<li>Sertakan video saat membuka paket sebagai bukti jika barang rusak atau tidak sesuai.</li></ul>"
            "<h2>Cara mengajukan</h2>"
            f"<p>Kirim nomor pesanan, foto barang, dan alasan pengembalian ke <a href=\"mailto:"
            f"{escape(tenant.contact_email)}\">{escape(tenant.contact_email)}</a>. Kami akan membalas dalam 2 hari "
            "kerja.</p>"
            "<h2>Pengembalian dana</h2>"
            "<p>Setelah barang kami terima dan periksa, dana dikembalikan ke rekening Anda dalam 3–5 hari kerja, "
            "atau barang ditukar sesuai permintaan Anda.</p>"
        )},
    ]


def _drafts_en(tenant) -> list[dict]:
    name = escape(tenant.name)
    email = escape(tenant.contact_email)
    contact = _contact_lines(tenant, {"email": "Email", "phone": "Phone/WhatsApp", "address": "Address"})
    return [
        {"key": "about", "slug": "about-us", "title": "About us", "body": (
            f"<p>Welcome to {name}! We're glad you stopped by.</p>"
            "<h2>Our story</h2>"
            "<p>Tell your story here: how your store started, who is behind it, and what makes your products "
            "special. Shoppers trust a store they feel they know.</p>"
            "<h2>Our promise</h2>"
            "<ul><li>Products as pictured and described.</li><li>Orders packed with care and shipped quickly.</li>"
            "<li>Friendly answers to your questions.</li></ul>"
        )},
        {"key": "contact", "slug": "contact", "title": "Contact", "body": (
            f"<p>Have a question about a product or your order? The {name} team is happy to help.</p>"
            f"{contact}"
            "<p>We answer messages on weekdays, Monday to Friday, 9:00 to 17:00. For questions about an order, "
            "include your order number so we can help you faster.</p>"
        )},
        {"key": "faq", "slug": "faq", "title": "FAQ", "body": (
            "<h2>How do I order?</h2>"
            "<p>Choose a product, add it to your cart and follow the checkout steps. You'll get an order "
            "confirmation by email.</p>"
            "<h2>How can I pay?</h2>"
            "<p>The payment methods we accept are shown at checkout, such as bank transfer.</p>"
            "<h2>When will my order arrive?</h2>"
            "<p>We ship within 1–2 business days after payment. Delivery time depends on the courier and your "
            "city; see our <a href=\"/pages/shipping-policy\">Shipping policy</a>.</p>"
            "<h2>Can I exchange or return an item?</h2>"
            "<p>Yes, under a few conditions. Read our <a href=\"/pages/returns-policy\">Returns policy</a>.</p>"
        )},
        {"key": "shipping", "slug": "shipping-policy", "title": "Shipping policy", "body": (
            "<h2>Processing time</h2>"
            "<p>We pack and ship orders within 1–2 business days after payment is received. Orders placed on "
            "Sundays or public holidays are processed on the next business day.</p>"
            "<h2>Couriers and shipping costs</h2>"
            "<p>We ship across Indonesia. Shipping costs are calculated at checkout from the parcel's weight and "
            "the delivery address.</p>"
            "<h2>Tracking</h2>"
            "<p>Once your parcel ships, we send you its tracking number.</p>"
            f"<p>Parcel not arrived yet? Contact us at <a href=\"mailto:{email}\">{email}</a>.</p>"
        )},
        {"key": "returns", "slug": "returns-policy", "title": "Returns policy", "body": (
            "<p>We want you to love what you bought. If something is wrong, we'll help put it right.</p>"
            "<h2>Conditions</h2>"
            "<ul><li>Request a return within 7 days of receiving your parcel.</li>"
            "<li>Items must be unused, unwashed and with their tags attached.</li>"
            "<li>If an item arrived damaged or wrong, please include an unboxing video as proof.</li></ul>"
            "<h2>How to request a return</h2>"
            f"<p>Email your order number, photos of the item and the reason to <a href=\"mailto:{email}\">{email}</a>. "
            "We reply within 2 business days.</p>"
            "<h2>Refunds</h2>"
            "<p>Once we've received and checked the item, we refund you within 3–5 business days, or exchange the "
            "item if you prefer.</p>"
        )},
    ]


MENU_WORDS = {
    "id": {"main": "Menu utama", "footer": "Menu footer", "home": "Beranda", "catalog": "Katalog"},
    "en": {"main": "Main menu", "footer": "Footer menu", "home": "Home", "catalog": "Catalog"},
}


def create_default_pages(tenant) -> list[Page]:
    """About, Contact, FAQ and the shipping and returns policies, drafted in the store's language, for the merchant
    to edit. Only for a store with no pages yet; returns the pages made."""
    if db.session.scalar(select(Page.id).limit(1)) is not None:
        return []
    drafts = _drafts_id(tenant) if (tenant.locale or "id") == "id" else _drafts_en(tenant)
    pages = []
    for draft in drafts:
        page = save_page(None, title=draft["title"], slug=draft["slug"], body_html=draft["body"])
        page.default_key = draft["key"]  # not a column: lets create_default_menus find them just below
        pages.append(page)
    return pages


def create_default_menus(tenant, pages: list[Page] | None = None) -> list[Menu]:
    """The main menu (Home, Catalog, About) and the footer menu (FAQ, the policies, Contact) of a new store."""
    words = MENU_WORDS["id" if (tenant.locale or "id") == "id" else "en"]
    by_key = {getattr(page, "default_key", None): page for page in pages or []}

    def page_link(key):
        page = by_key.get(key)
        return {"title": page.title, "link_type": "page", "target_id": page.id} if page else None

    made = []
    if menu_by_handle("main") is None:
        items = [{"title": words["home"], "link_type": "home"}, {"title": words["catalog"], "link_type": "all_products"},
                 page_link("about")]
        made.append(save_menu("main", [item for item in items if item], title=words["main"]))
    if menu_by_handle("footer") is None:
        items = [page_link(key) for key in ("faq", "shipping", "returns", "contact")]
        made.append(save_menu("footer", [item for item in items if item], title=words["footer"]))
    return made


def create_default_content(tenant) -> bool:
    """Default pages and menus for a store that has none; binds the store itself. True when something was made."""
    from saas.tenants.scoping import bound_tenant

    with bound_tenant(tenant.id):
        pages = create_default_pages(tenant)
        menus = create_default_menus(tenant, pages)
    return bool(pages or menus)
