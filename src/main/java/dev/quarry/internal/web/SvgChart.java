package dev.quarry.internal.web;

import dev.quarry.internal.admin.DashboardReads;

/**
 * The per-minute chart as inline SVG, drawn on the server: no script, and presentation
 * attributes only (no style attributes), so the Content-Security-Policy needs no exception.
 */
final class SvgChart {
    private static final int W = 720, H = 180, PAD_L = 48, PAD_B = 22, PAD_T = 10;

    private SvgChart() {
    }

    static void draw(Page p, DashboardReads.Chart c) {
        int n = c.done().length;
        long max = 1;
        for (int i = 0; i < n; i++) max = Math.max(max, Math.max(c.done()[i], c.dead()[i]));
        double plotW = W - PAD_L - 8;
        double plotH = H - PAD_B - PAD_T;
        double step = plotW / n;
        p.open("figure", "class", "chart");
        p.open("svg", "xmlns", "http://www.w3.org/2000/svg", "viewBox", "0 0 " + W + " " + H, "role", "img", "aria-label",
                "jobs done and dead per minute over the last hour", "id", "chart");
        p.open("line", "x1", fmt(PAD_L), "y1", fmt(PAD_T + plotH), "x2", fmt(W - 8), "y2", fmt(PAD_T + plotH), "stroke", "#999").close("line");
        p.el("text", String.format(java.util.Locale.ROOT, "%,d", max), "x", fmt(PAD_L - 4), "y", fmt(PAD_T + 8), "text-anchor", "end",
                "font-size", "10", "fill", "#555");
        p.el("text", "0", "x", fmt(PAD_L - 4), "y", fmt(PAD_T + plotH), "text-anchor", "end", "font-size", "10", "fill", "#555");
        p.el("text", "-60 min", "x", fmt(PAD_L), "y", fmt(H - 6), "font-size", "10", "fill", "#555");
        p.el("text", "now", "x", fmt(W - 8), "y", fmt(H - 6), "text-anchor", "end", "font-size", "10", "fill", "#555");
        for (int i = 0; i < n; i++) {
            double x = PAD_L + i * step;
            bar(p, x + 1, step / 2 - 1, c.done()[i], max, plotH, "#3a7d44", "done", c.from().plusMinutes(i), i);
            bar(p, x + step / 2, step / 2 - 1, c.dead()[i], max, plotH, "#c0392b", "dead", c.from().plusMinutes(i), i);
        }
        p.close("svg");
        p.open("figcaption");
        p.raw("<span class=\"key done\">done</span> and <span class=\"key dead\">dead</span> jobs per minute, last hour (database time)");
        long done = 0, dead = 0;
        for (int i = 0; i < n; i++) {
            done += c.done()[i];
            dead += c.dead()[i];
        }
        p.text(": " + done + " done, " + dead + " dead");
        if (c.capped()) p.text("; some minutes passed " + DashboardReads.MINUTE_CAP + " jobs per queue and are shown as that many");
        p.close("figcaption").close("figure");
    }

    private static void bar(Page p, double x, double w, long v, long max, double plotH, String color, String what,
                            java.time.LocalDateTime minute, int i) {
        if (v == 0) return;
        double h = Math.max(1, plotH * v / max);
        p.open("rect", "x", fmt(x), "y", fmt(PAD_T + plotH - h), "width", fmt(Math.max(1, w)), "height", fmt(h), "fill", color,
                "data-minute", Integer.toString(i), "data-" + what, Long.toString(v));
        p.el("title", v + " " + what + " in the minute from " + Page.time(minute));
        p.close("rect");
    }

    private static String fmt(double d) {
        return String.format(java.util.Locale.ROOT, "%.1f", d);
    }
}
