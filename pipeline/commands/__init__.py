"""What people and programs can do: submit, act, complete, write, deposit, accounts."""
