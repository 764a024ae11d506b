"""Monitoring: sources polled into the importer, saved searches and their alerts, webhook deliveries."""
