"""Demo data for `miniface serve --demo`: five people who already know each other.

alice, bob, carol, dave and erin share one password (the caller hashes
"password123" once and passes the hash). alice is friends with bob and carol, bob
with carol, carol with dave, dave with erin; erin has asked alice and is waiting.
Their posts use all three visibilities, some carry photos drawn here with Pillow,
alice, bob and carol have drawn profile pictures (dave and erin keep their initials,
the fallback everyone starts with), and alice and bob have been chatting (with a message from carol alice has not
read yet). Seeding twice does nothing the second time.
"""

import logging
import secrets
from io import BytesIO

from PIL import Image, ImageDraw

from . import comments as comments_store
from . import friends, likes, messages, posts, users
from .times import now as current_time

__all__ = ["seed_demo", "DEMO_USERNAMES", "DEMO_PASSWORD"]

log = logging.getLogger(__name__)

DEMO_PASSWORD = "password123"
PEOPLE = (
    ("alice", "Alice Martin"),
    ("bob", "Bob Okafor"),
    ("carol", "Carol Nguyen"),
    ("dave", "Dave Schmidt"),
    ("erin", "Erin O'Brien"),
)
DEMO_USERNAMES = tuple(username for username, _ in PEOPLE)
FRIENDSHIPS = (("alice", "bob"), ("alice", "carol"), ("bob", "carol"), ("carol", "dave"),
               ("dave", "erin"))
PENDING_REQUESTS = (("erin", "alice"),)

HOUR = 3600
# (author, hours ago, visibility, photo or None, body), oldest first.
POSTS = (
    ("dave", 70, "public", None, "Does anyone know a good bike shop near the station?"),
    ("carol", 52, "public", ("sunset", "jpg"), "Sunset from the hill last night."),
    ("alice", 48, "friends", None, "Moving day is over. Pizza is on me this weekend!"),
    ("bob", 30, "public", None, "Finally finished the 1,000-piece puzzle.\nNever again."),
    ("erin", 26, "friends", ("lake", "png"), "Morning swim. Cold, but worth it."),
    ("alice", 20, "private", None, "Note to self: call the landlord about the heating."),
    ("carol", 12, "friends", None, "Book club moved to Thursday."),
    ("bob", 6, "friends", ("stripes", "png"), "New rug. Opinions welcome."),
    ("alice", 2, "public", ("sunset", "png"), "Hello MiniFace! First post."),
)
# (sender, recipient, minutes ago, body); the last one stays unread.
CHATS = (
    ("bob", "alice", 180, "Are we still on for Saturday?"),
    ("alice", "bob", 175, "Yes! 7pm at mine."),
    ("bob", "alice", 170, "Great, I'll bring dessert."),
    ("carol", "alice", 30, "Did you see the book club news?"),
)
UNREAD_FROM = ("carol",)
# (post body, who likes it, [(who comments, text)]): public posts only.
REACTIONS = (
    ("Sunset from the hill last night.", ("alice", "bob", "dave"),
     [("bob", "Gorgeous colours!"), ("alice", "Which hill? I want to go.")]),
    ("Hello MiniFace! First post.", ("bob", "carol"), [("carol", "Welcome aboard!")]),
)
PHOTO_SIZE = (640, 400)
# username: (background, figure) colours of a drawn profile picture.
AVATARS = {
    "alice": ((255, 183, 77), (94, 53, 177)),
    "bob": ((129, 199, 132), (21, 101, 192)),
    "carol": ((144, 202, 249), (173, 20, 87)),
}


def seed_demo(db, *, uploads_dir, password_hash: str) -> bool:
    """Create the demo people and their world; False (and no change) if alice exists."""
    if users.get_user_by_username(db, "alice") is not None:
        return False
    from ..media import media_for  # photos go where every node can read them

    media = media_for(uploads_dir, db)
    written = []
    try:
        with db.transaction():
            now = current_time()
            ids = _seed_people(db, password_hash, now)
            _seed_friends(db, ids, now)
            _seed_posts(db, ids, media, written, now)
            _seed_avatars(db, ids, media, written)
            _seed_reactions(db, ids, now)
            _seed_chats(db, ids, now)
    except BaseException:
        # The rows rolled back; do not leave their photos behind.
        for name in written:
            media.delete(name)
        raise
    log.info("seeded demo data: %s", ", ".join(DEMO_USERNAMES))
    return True


def _seed_people(db, password_hash, now) -> dict:
    return {username: users.create_user(db, username=username, name=name,
                                        password_hash=password_hash, now=now - 30 * 24 * HOUR)["id"]
            for username, name in PEOPLE}


def _seed_friends(db, ids, now) -> None:
    for a, b in FRIENDSHIPS:
        friends.request_or_accept(db, from_id=ids[a], to_id=ids[b], now=now - 10 * 24 * HOUR)
        friends.request_or_accept(db, from_id=ids[b], to_id=ids[a], now=now - 10 * 24 * HOUR)
    for sender, recipient in PENDING_REQUESTS:
        friends.request_or_accept(db, from_id=ids[sender], to_id=ids[recipient], now=now - HOUR)


def _seed_posts(db, ids, media, written, now) -> None:
    for author, hours_ago, visibility, photo, body in POSTS:
        image_name = None
        if photo is not None:
            scene, ext = photo
            image_name = f"{secrets.token_urlsafe(16)}.{ext}"
            media.put(image_name, _draw_photo(scene, ext))
            written.append(image_name)
        posts.create_post(db, author_id=ids[author], body=body, visibility=visibility,
                          image_name=image_name, now=now - hours_ago * HOUR)


def _seed_avatars(db, ids, media, written) -> None:
    # The sizes and file names the profile pages use (imported here: they belong to
    # the app's upload handling, above the store).
    from ..profiles import AVATAR_SIZES
    from ..uploads import avatar_file

    for username, colours in AVATARS.items():
        name = f"{secrets.token_urlsafe(16)}.png"
        for size in AVATAR_SIZES:
            media.put(avatar_file(name, size), _draw_avatar(colours, size))
            written.append(avatar_file(name, size))
        users.set_avatar(db, user_id=ids[username], avatar_name=name)


def _seed_reactions(db, ids, now) -> None:
    """Likes and comments on two public posts (with their notifications); what
    happened before the last day is already read."""
    by_body = {row["body"]: row for row in db.query_all(
        "SELECT id, author_id, body FROM posts WHERE visibility = 'public'")}
    for body, likers, comments in REACTIONS:
        post = by_body[body]
        for i, liker in enumerate(likers):
            likes.like(db, post_id=post["id"], user_id=ids[liker], author_id=post["author_id"],
                       now=now - (3 - i) * HOUR)
        for i, (author, text) in enumerate(comments):
            comments_store.add_comment(db, post_id=post["id"], author_id=ids[author],
                                       post_author_id=post["author_id"], body=text,
                                       now=now - (2 - i) * HOUR)
    for user_id in ids.values():
        db.execute("UPDATE notifications SET read_at = :now WHERE recipient_id = :user_id"
                   " AND created_at < :day_ago", {"now": now, "user_id": user_id,
                                                  "day_ago": now - 24 * HOUR})


def _seed_chats(db, ids, now) -> None:
    for sender, recipient, minutes_ago, body in CHATS:
        messages.send_message(db, sender_id=ids[sender], recipient_id=ids[recipient],
                              body=body, now=now - minutes_ago * 60)
    for sender, recipient, _, _ in CHATS:
        if sender not in UNREAD_FROM:
            messages.mark_read(db, reader_id=ids[recipient], other_id=ids[sender], now=now)


def _draw_photo(scene: str, ext: str) -> bytes:
    """Draw a small picture (no bundled files needed); its encoded bytes."""
    width, height = PHOTO_SIZE
    image = Image.new("RGB", PHOTO_SIZE)
    draw = ImageDraw.Draw(image)
    top, bottom = _PALETTES[scene]
    for y in range(height):  # a vertical gradient
        mix = y / (height - 1)
        draw.line([(0, y), (width, y)],
                  fill=tuple(round(a + (b - a) * mix) for a, b in zip(top, bottom, strict=True)))
    if scene == "sunset":
        draw.ellipse([width // 2 - 70, height // 2 - 20, width // 2 + 70, height // 2 + 120],
                     fill=(255, 214, 102))
        draw.rectangle([0, height * 2 // 3, width, height], fill=(52, 38, 64))
    elif scene == "lake":
        draw.polygon([(0, 260), (180, 120), (360, 260)], fill=(70, 96, 84))
        draw.polygon([(240, 260), (460, 90), (640, 260)], fill=(58, 82, 72))
        draw.rectangle([0, 260, width, height], fill=(64, 132, 180))
    else:  # stripes
        for x in range(0, width, 80):
            draw.rectangle([x, 0, x + 39, height], fill=(236, 228, 214))
    out = BytesIO()
    image.save(out, format="JPEG" if ext == "jpg" else "PNG", quality=85)
    return out.getvalue()


def _draw_avatar(colours, size: int) -> bytes:
    """A head and shoulders on a plain colour, drawn large and scaled down to `size`."""
    background, figure = colours
    side = 256
    image = Image.new("RGB", (side, side), background)
    draw = ImageDraw.Draw(image)
    draw.ellipse([side * 0.32, side * 0.18, side * 0.68, side * 0.54], fill=figure)
    draw.ellipse([side * 0.14, side * 0.6, side * 0.86, side * 1.3], fill=figure)
    if size != side:
        image = image.resize((size, size), Image.LANCZOS)
    out = BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


_PALETTES = {
    "sunset": ((255, 126, 95), (118, 75, 162)),
    "lake": ((180, 220, 250), (230, 244, 255)),
    "stripes": ((64, 112, 168), (40, 72, 120)),
}
