"""Fetching from the web, politely: the HTTP client (robots.txt, rate limits, conditional GET,
timeouts, size cap, bounded redirects, private-address guard) and the parsers of what it brings
back (feeds, sitemaps). Plain Python, no Django."""
