"""Money: prices per period, what the household pays, and advice on its contract.

Pure: no Home Assistant, no I/O; times are given. Prices are the user's own (no built-in
tariff: no sourced figures were available when this was written).
"""
