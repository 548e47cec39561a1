"""The sample's websites and their pages: hosts and servers here, page text in pages/SITE.txt.

Each pages/SITE.txt holds the pages of the site SITES[SITE], in the order its
"Recent posts" or "Related stories" box lists them. A page is a `# Title` line,
`path:`, `date:` and `author:` lines, a blank line, then the body: blocks
split by blank lines, where "## " starts a subheading and "- " a list item.
Keeping the prose out of the code lets the generator read in a few hundred
lines and lets a page be edited like any text file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

PAGES = Path(__file__).resolve().parent / "pages"
FIELDS = ("path", "date", "author")


@dataclass(frozen=True)
class Site:
    host: str
    name: str
    tagline: str
    lang: str = "en"
    skin: str = "blog"  # blog | news | club
    sections: tuple[str, ...] = ()
    server: str = "nginx"
    ip: str = "192.0.2.10"


@dataclass(frozen=True)
class Article:
    """A page's main content. `body`: blocks split by blank lines; "## " starts a subheading, "- " a list item."""

    site: str
    path: str
    title: str
    date: str
    author: str
    body: str


SITES = {
    "kitchen": Site("www.riverside-kitchen.example", "Riverside Kitchen",
                    "Everyday cooking from a small flat by the river",
                    sections=("Recipes", "Baking", "Preserving", "About")),
    "garden": Site("greenfinger-notes.example", "Greenfinger Notes", "A clay-soil garden, one season at a time",
                   sections=("Vegetables", "Flowers", "Wildlife", "Diary"), server="Apache/2.4.58", ip="192.0.2.21"),
    "history": Site("www.millbrook-history.test", "Millbrook Local History Society",
                    "Recording the past of Millbrook and its parish since 1972", skin="club",
                    sections=("Articles", "Meetings", "Archive", "Join us"), server="Apache/2.2.22", ip="198.51.100.7"),
    "bike": Site("spokeandchain.example", "Spoke & Chain", "Repair notes from a volunteer bicycle workshop",
                 sections=("Repairs", "Maintenance", "Workshop", "Donate"), ip="192.0.2.33"),
    "astro": Site("www.darkskies-club.example", "Northfield Dark Skies Club", "Amateur astronomy under suburban skies",
                  sections=("Observing", "Equipment", "Events", "Membership"), server="LiteSpeed", ip="203.0.113.14"),
    "travel": Site("slowroads-travel.example", "Slow Roads", "Travel notes from trains, paths and small towns",
                   sections=("Journeys", "Walking", "Practical", "About"), server="cloudflare", ip="203.0.113.51"),
    "code": Site("tidycode.example", "Tidy Code", "Practical habits for programmers who work in teams",
                 sections=("Habits", "Testing", "Debugging", "Archive"), server="GitHub.com", ip="192.0.2.77"),
    "gazette": Site("www.harbourtown-gazette.example", "Harbourtown Gazette",
                    "News for Harbourtown and the bay since 1887",
                    skin="news", sections=("News", "Business", "Schools", "Sport", "Letters"), server="Varnish",
                    ip="198.51.100.40"),
    "wire": Site("coastal-news-network.example", "Coastal News Network", "Regional news from the south-west coast",
                 skin="news", sections=("Regional", "Politics", "Weather", "Opinion"), server="AmazonS3",
                 ip="198.51.100.88"),
    "skydigest": Site("skywatch-digest.example", "Skywatch Digest", "The best astronomy writing from around the web",
                      sections=("Highlights", "Events", "Gear", "Newsletter"), ip="203.0.113.90"),
    "nature": Site("wren-and-willow.example", "Wren & Willow", "Nature notes from the edge of town",
                   sections=("Birds", "Bees", "Walks", "About"), server="Apache", ip="192.0.2.102"),
    "workshop": Site("shavings-workshop.example", "Shavings", "Hand tools, small projects and a lot of sawdust",
                     sections=("Projects", "Tools", "Finishing", "Classes"), ip="192.0.2.115"),
    "running": Site("easy-miles.example", "Easy Miles", "Running for people who never thought they would",
                    sections=("Beginners", "Training", "Races", "Kit"), server="Netlify", ip="203.0.113.120"),
    "fixit": Site("fixit-at-home.example", "Fix It at Home", "Household repairs explained step by step",
                  sections=("Plumbing", "Electrics", "Walls", "Doors"), server="Microsoft-IIS/10.0",
                  ip="198.51.100.130"),
    "photo": Site("lightmeter-journal.example", "Lightmeter Journal", "Notes on light, composition and patience",
                  sections=("Technique", "Gear", "Places", "Essays"), ip="203.0.113.140"),
    "pets": Site("pawprint-diaries.example", "Pawprint Diaries", "Life with a dog called Bramble",
                 sections=("Health", "Training", "Walks", "Stories"), ip="192.0.2.150"),
    "deals": Site("www.best-cheap-deals-online.example", "Best Cheap Deals Online", "Cheap deals cheap prices",
                  sections=("Watches", "Phones", "Shoes", "Bags"), server="openresty", ip="203.0.113.200"),
    "adult": Site("www.xxx-adult-videos.example", "Adult Videos", "Members area", sections=("Enter", "Join"),
                  server="nginx", ip="203.0.113.201"),
    "demo": Site("themes-gallery.example", "Themes Gallery", "Demo site for the Brightline theme",
                 sections=("Layouts", "Shortcodes", "Pricing", "Support"), ip="192.0.2.210"),
    "shop": Site("oakhouse-furniture.example", "Oakhouse Furniture", "Solid wood furniture, made to last",
                 sections=("Dining", "Living", "Bedroom", "Sale"), server="Shopify", ip="203.0.113.220"),
    "village": Site("stmarys-village-hall.test", "St Mary's Village Hall", "Bookings, classes and news",
                    sections=("What's on", "Hire the hall", "Committee", "Find us"), server="Apache",
                    ip="198.51.100.230"),
    "social": Site("snapshare.example", "SnapShare", "Share your moments", sections=("Explore", "Trending"),
                   server="envoy", ip="203.0.113.240"),
    "forum": Site("forum.allotment-friends.example", "Allotment Friends Forum", "Growing together since 2006",
                  sections=("Latest", "Vegetables", "Pests", "Marketplace"), ip="192.0.2.240"),
    "local": Site("bayside-weekly.example", "Bayside Weekly", "Local news you can use", skin="news",
                  sections=("Local", "Council", "Events", "Sport"), ip="198.51.100.250"),
    # German, French, Spanish, Japanese, Russian, Chinese
    "de_garden": Site("stadtgarten-blog.example", "Stadtgarten", "Gärtnern auf Balkon und Fensterbank", lang="de",
                      sections=("Gemüse", "Kräuter", "Balkon", "Über mich"), ip="192.0.2.160"),
    "de_history": Site("www.heimatverein-lindenau.example", "Heimatverein Lindenau e.V.",
                       "Geschichte und Geschichten aus Lindenau", lang="de", skin="club",
                       sections=("Aktuelles", "Museum", "Chronik", "Mitglied werden"), server="Apache/2.2.15",
                       ip="198.51.100.161"),
    "de_bike": Site("radwerkstatt-nord.example", "Radwerkstatt Nord", "Tipps aus der Selbsthilfewerkstatt", lang="de",
                    sections=("Reparatur", "Pflege", "Termine", "Kontakt"), ip="192.0.2.162"),
    "fr_food": Site("carnet-de-cuisine.example", "Carnet de cuisine", "Recettes de famille et cuisine de saison",
                    lang="fr", sections=("Recettes", "Desserts", "Saisons", "À propos"), ip="192.0.2.170"),
    "fr_bike": Site("velo-quotidien.example", "Vélo au quotidien", "Se déplacer à vélo, toute l'année", lang="fr",
                    sections=("Conseils", "Équipement", "Itinéraires", "Contact"), ip="192.0.2.171"),
    "fr_news": Site("www.gazette-du-vallon.example", "La Gazette du Vallon", "L'actualité de la vallée", lang="fr",
                    skin="news", sections=("Actualité", "Culture", "Sports", "Agenda"), ip="198.51.100.172"),
    "es_food": Site("cocina-de-casa.example", "Cocina de casa", "Recetas sencillas para todos los días", lang="es",
                    sections=("Recetas", "Postres", "Temporada", "Sobre mí"), ip="192.0.2.180"),
    "es_hike": Site("senderos-del-norte.example", "Senderos del Norte", "Rutas a pie por la montaña", lang="es",
                    sections=("Rutas", "Consejos", "Material", "Contacto"), ip="192.0.2.181"),
    "es_news": Site("www.diario-del-puerto.example", "Diario del Puerto", "Noticias de la ciudad y la comarca",
                    lang="es", skin="news", sections=("Ciudad", "Economía", "Cultura", "Deportes"),
                    ip="198.51.100.182"),
    "ja_life": Site("kurashi-no-techo.example", "暮らしの手帖ノート", "季節の手仕事と台所の記録", lang="ja",
                    sections=("台所", "保存食", "季節", "プロフィール"), server="Apache", ip="192.0.2.190"),
    "ja_town": Site("machi-no-rekishi.example", "まちの歴史を語る会", "わが町の昔と今", lang="ja", skin="club",
                    sections=("お知らせ", "資料室", "行事", "入会案内"), server="Apache/2.2.3", ip="198.51.100.191"),
    "ja_stars": Site("hoshizora-note.example", "星空ノート", "家族で楽しむ天体観測", lang="ja",
                     sections=("観測記録", "機材", "星座", "このサイトについて"), ip="192.0.2.192"),
    "ru_dacha": Site("dachnye-sovety.example", "Дачные советы", "Огород, сад и теплица", lang="ru",
                     sections=("Огород", "Сад", "Теплица", "О сайте"), server="nginx/1.18.0", ip="198.51.100.193"),
    "ru_history": Site("kraeved-info.example", "Краевед", "История нашего города", lang="ru", skin="club",
                       sections=("Статьи", "Фотоархив", "Музеи", "Контакты"), server="Apache/2.2.22",
                       ip="198.51.100.194"),
    "ru_news": Site("gorodskie-novosti.example", "Городские новости", "Новости города и области", lang="ru",
                    skin="news", sections=("Город", "Общество", "Культура", "Спорт"), ip="198.51.100.195"),
    "zh_food": Site("jiachang-cai.example", "家常菜谱", "简单好做的家常菜", lang="zh",
                    sections=("家常菜", "汤羹", "面点", "关于"), server="Tengine", ip="203.0.113.196"),
    "zh_walk": Site("chengshi-manbu.example", "城市漫步", "用脚步认识一座城市", lang="zh",
                    sections=("漫步", "美食", "旅行", "关于"), server="Tengine", ip="203.0.113.197"),
}


def read_pages(folder: Path = PAGES) -> list[Article]:
    """Every page of every pages/SITE.txt; a site's pages in file order."""
    articles = []
    for path in sorted(folder.glob("*.txt")):
        if path.stem not in SITES:
            raise ValueError(f"{path}: no site {path.stem!r} in SITES")
        before, *pages = re.split(r"^# ", path.read_text(encoding="utf-8"), flags=re.MULTILINE)
        if before.strip() or not pages:
            raise ValueError(f"{path}: expected pages that each start with a '# Title' line")
        for page in pages:
            head, _, body = page.partition("\n\n")
            title, *lines = head.split("\n")
            fields = dict(line.partition(": ")[::2] for line in lines)
            if tuple(fields) != FIELDS:
                raise ValueError(f"{path}: page {title!r} needs the lines {', '.join(f + ':' for f in FIELDS)}")
            articles.append(Article(path.stem, fields["path"], title, fields["date"], fields["author"],
                                    body.strip("\n")))
    return articles


def edited(art: Article, site: str, path: str, day: str, author: str, *changes: tuple[str, str]) -> Article:
    """A copy of an article on another page with a few passages changed (each must occur exactly once)."""
    body = art.body
    for old, new in changes:
        if body.count(old) != 1:
            raise ValueError(f"{old!r} occurs {body.count(old)} times in {art.path}")
        body = body.replace(old, new)
    return Article(site, path, art.title, day, author, body)


BY_PATH = {art.path: art for art in read_pages()}

NEAR_DUPLICATES = [
    edited(BY_PATH["/news/2024/07/quay-street-roadworks-to-last-until-october/"], "wire",
           "/regional/2024/07/harbourtown-quay-street-roadworks-extended/", "2024-07-19", "Staff reporter",
           ("Drivers and businesses in Harbourtown face", "Motorists and traders in Harbourtown are facing"),
           ("particularly on market days.",
            "particularly on market days. This story first appeared in the Harbourtown Gazette.")),
    edited(BY_PATH["/observing/how-to-watch-the-perseids/"], "skydigest", "/highlights/2024/07/perseids/",
           "2024-07-21", "Helen Marsh",
           ("\n## Getting comfortable\n",
            "\nSponsored: the Lumina reclining chair folds flat, weighs under four kilos and is half price this week"
            " for Skywatch Digest readers.\n\n## Getting comfortable\n")),
]
ALL_ARTICLES = list(BY_PATH.values()) + NEAR_DUPLICATES
