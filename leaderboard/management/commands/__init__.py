"""manage.py commands of the leaderboard: parse options, call the services, report."""
