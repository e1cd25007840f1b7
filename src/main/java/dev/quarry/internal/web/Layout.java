package dev.quarry.internal.web;

/** The frame around every page: title, navigation, who is logged in, the script and the style sheet. */
final class Layout {
    private Layout() {
    }

    /**
     * @param refreshSeconds the page reloads itself this often while "auto-refresh" is on; 0: never
     */
    static Response page(int status, String title, Request r, Page body, int refreshSeconds) {
        Page p = new Page();
        p.raw("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">")
                .raw("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
                .el("title", title + " · Quarry")
                .raw("<link rel=\"stylesheet\" href=\"/static/dashboard.css\">")
                .raw("<script src=\"/static/dashboard.js\" defer></script></head>");
        p.open("body", "data-refresh", refreshSeconds > 0 ? Integer.toString(refreshSeconds) : null);
        p.raw("<header><nav><a class=\"brand\" href=\"/\">Quarry</a>")
                .raw("<a href=\"/\">Overview</a><a href=\"/jobs\">Jobs</a><a href=\"/dead\">Dead jobs</a><a href=\"/schedules\">Schedules</a>")
                .raw("</nav><div class=\"who\">");
        if (refreshSeconds > 0) {
            p.raw("<label><input type=\"checkbox\" id=\"auto-refresh\" checked> auto-refresh</label> ");
        }
        if (r.session.isPresent()) {
            p.postButton("/logout", "log out", r.csrf());
        } else {
            p.el("span", "read-only", "class", "badge", "title", "set QUARRY_WEB_PASSWORD or QUARRY_WEB_PASSWORD_FILE to enable actions");
        }
        p.raw("</div></header><main>");
        p.el("h1", title);
        p.raw(body.toString());
        p.raw("</main></body></html>");
        return Response.html(status, p.toString());
    }

    static Response message(int status, String title, Request r, String message) {
        Page body = new Page();
        body.el("p", message, "class", status >= 400 ? "error" : "notice");
        body.raw("<p><a href=\"/\">back to the overview</a></p>");
        return page(status, title, r, body, 0);
    }
}
