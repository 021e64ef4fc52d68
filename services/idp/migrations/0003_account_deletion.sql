-- Accounts can be deleted (right to erasure; also lets tests remove the accounts they create).
-- Deleting an account cascades to its group memberships.
GRANT DELETE ON accounts, account_groups TO idp;
