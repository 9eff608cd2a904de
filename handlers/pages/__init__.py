"""The HTML face of MiniFace: pages and form actions.

Every page is a `PageHandler` (base.py) rendering a template from `views/` inside
the shared layout; every action is a form POST, CSRF-checked, that ends in a 303
redirect with a one-time confirmation message. See `add_routes` for the table.
"""

from __future__ import annotations

from .account import LoginPage, LogoutAction, SignupPage
from .chat import ChatPage, ChatSend
from .error_page import render_error
from .home import HomePage, PostPage
from .notifications import NotificationsPage
from .people import FriendAdd, FriendRemove, FriendsPage, PeoplePage, ProfilePage
from .post_actions import PostCreate, PostDelete, PostVisibility
from .reactions import CommentCreate, CommentDelete, PostEditPage, PostLike, PostUnlike
from .settings import (
    SettingsAvatar,
    SettingsAvatarRemove,
    SettingsDelete,
    SettingsPage,
    SettingsPassword,
    SettingsProfile,
)

__all__ = ["add_routes", "render_error", "PAGE_ROUTES"]

# (pattern, handler): the browser's routes. Action URLs are verbs under the thing
# they act on, because HTML forms can only GET and POST.
PAGE_ROUTES = (
    ("/", HomePage),
    ("/login", LoginPage),
    ("/signup", SignupPage),
    ("/logout", LogoutAction),
    ("/u/{username}", ProfilePage),
    ("/friends", FriendsPage),
    ("/people", PeoplePage),
    ("/friends/{username}/add", FriendAdd),
    ("/friends/{username}/remove", FriendRemove),
    ("/posts", PostCreate),
    ("/posts/{post_id:int}", PostPage),
    ("/posts/{post_id:int}/visibility", PostVisibility),
    ("/posts/{post_id:int}/delete", PostDelete),
    ("/posts/{post_id:int}/edit", PostEditPage),
    ("/posts/{post_id:int}/like", PostLike),
    ("/posts/{post_id:int}/unlike", PostUnlike),
    ("/posts/{post_id:int}/comments", CommentCreate),
    ("/comments/{comment_id:int}/delete", CommentDelete),
    ("/notifications", NotificationsPage),
    ("/chat", ChatPage),
    ("/chat/{username}", ChatPage),
    ("/chat/{username}/send", ChatSend),
    ("/settings", SettingsPage),
    ("/settings/profile", SettingsProfile),
    ("/settings/avatar", SettingsAvatar),
    ("/settings/avatar/remove", SettingsAvatarRemove),
    ("/settings/password", SettingsPassword),
    ("/settings/delete", SettingsDelete),
)


def add_routes(router, deps: dict) -> None:
    """Register the page routes on `router`; `deps` reach every handler."""
    for pattern, handler in PAGE_ROUTES:
        router.add(pattern, handler, **deps)
