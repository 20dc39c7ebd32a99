"""Django management package of the leaderboard app."""
