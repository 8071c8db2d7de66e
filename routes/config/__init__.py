"""Study-area configuration: the routes.toml dataclasses and their TOML loading."""
