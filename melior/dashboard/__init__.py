"""The network and school pages: a network at a glance (where each school stands on every
measure, its projects) and one school's measures and projects. Built on measures and projects,
which know nothing of it."""
