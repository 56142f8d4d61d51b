"""Data protection: lawful basis and objections, access and erasure requests, retention, the register."""
