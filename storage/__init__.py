"""Storage: the tables, their migrations, the clock, and one repository per table family; imports nothing from bot/ or handlers/."""
