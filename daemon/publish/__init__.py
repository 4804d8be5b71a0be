"""Publishing channels: the office website (WordPress), Facebook, the social-media package, the press release."""
