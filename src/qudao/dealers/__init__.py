"""Dealer lifecycle: application, review, onboarding, documents, contracts with targets,
grading, suspension and closing. Stands above orders (closing reads open orders, buy-back
creates orders); the gates that stop ordering are written on the network Org (status and
holds) by these services, and orders reads them from network, never from here."""
