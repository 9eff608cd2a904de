"""The routing table: every URL MiniFace answers, in one place.

API routes follow API.md; the HTML pages add theirs through
`handlers.pages.add_routes`.
"""

from __future__ import annotations

import reactor

from . import health, pages, photos
from .api import account, events, friends, messages, notifications, openapi, posts, reactions, users

__all__ = ["API_ROUTES", "AppRouter", "build_router"]

# (pattern, handler class), in matching order: static paths are looked up first
# anyway, and "/api/friends/requests" is static, so "{username}" cannot shadow it.
API_ROUTES = [
    ("/api/signup", account.Signup),
    ("/api/login", account.Login),
    ("/api/logout", account.Logout),
    ("/api/me", account.Me),
    ("/api/me/password", account.MePassword),
    ("/api/me/avatar", account.MeAvatar),
    ("/api/feed", posts.Feed),
    ("/api/posts", posts.Posts),
    ("/api/posts/{id:int}", posts.Post),
    ("/api/posts/{id:int}/like", reactions.Like),
    ("/api/posts/{id:int}/likes", reactions.Likes),
    ("/api/posts/{id:int}/comments", reactions.Comments),
    ("/api/comments/{id:int}", reactions.Comment),
    ("/api/notifications", notifications.Notifications),
    ("/api/notifications/read", notifications.NotificationsRead),
    ("/api/users", users.Users),
    ("/api/users/{username}", users.User),
    ("/api/users/{username}/posts", users.UserPosts),
    ("/api/friends", friends.Friends),
    ("/api/friends/requests", friends.FriendRequests),
    ("/api/friends/{username}", friends.Friend),
    ("/api/friends/online", events.OnlineFriends),
    ("/api/messages", messages.Conversations),
    ("/api/messages/{username}", messages.Conversation),
    ("/api/events", events.Events),
    ("/api/openapi.json", openapi.OpenApi),
]


class AppRouter(reactor.Router):
    """A `reactor.Router` that remembers its table, so tests and the OpenAPI check
    can list every route: `routes` is [(pattern, handler class)] in order added."""

    def __init__(self):
        super().__init__()
        self.routes: list[tuple[str, type]] = []

    def add(self, pattern: str, handler_cls, **deps) -> None:
        super().add(pattern, handler_cls, **deps)
        self.routes.append((pattern, handler_cls))


def build_router(ctx) -> AppRouter:
    """Every route of the app, each handler given `ctx.route_deps()`."""
    deps = ctx.route_deps()
    router = AppRouter()
    for pattern, handler_cls in API_ROUTES:
        router.add(pattern, handler_cls, **deps)
    router.add("/photos/{name}", photos.Photo, **deps)
    router.add("/avatars/{name}", photos.Avatar, **deps)
    router.add("/healthz", health.Health, **deps)
    router.add("/assets/{path:path}", reactor.StaticFiles, root=str(ctx.config.assets_dir))
    pages.add_routes(router, deps)
    return router

