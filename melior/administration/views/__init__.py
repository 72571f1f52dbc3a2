"""The settings pages: the network, its schools, measures and people; joining by invitation."""
