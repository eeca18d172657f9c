"""Pages: the site model as HTML, feeds and sitemaps: views (what a page shows), the
renderer, the theme's templates and strings, Markdown and math."""
