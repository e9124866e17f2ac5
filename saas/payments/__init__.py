"""How a store takes money: its payment methods, their settings and secrets, and the providers behind them."""
