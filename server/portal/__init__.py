"""The dealer portal: server-rendered pages under /dealer/ to review and accept evidence."""
