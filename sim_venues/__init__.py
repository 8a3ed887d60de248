"""Simulated trading venues: matching books behind FIX 4.4 acceptors."""
