"""Reports about who sees what: the isolation report (text, markdown, JSON, HTML)
and pictures of the company (mermaid, dot)."""
