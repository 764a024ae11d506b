"""Issue #12: the kind of each mention, curated name aliases (abbreviations), learned boilerplate."""

from __future__ import annotations

from django.db import migrations, models

# alias -> (name, kind): the starting list curators extend in the admin.
NAME_ALIASES = {
    "AP": ("Associated Press", "org"),
    "A.P.": ("Associated Press", "org"),
    "The Associated Press": ("Associated Press", "org"),
    "GOP": ("Republican Party", "org"),
    "G.O.P.": ("Republican Party", "org"),
    "Republican National Committee": ("RNC", "org"),
    "Democratic National Committee": ("DNC", "org"),
    "D.C.": ("Washington", "place"),
    "DC": ("Washington", "place"),
    "Washington D.C.": ("Washington", "place"),
    "Washington DC": ("Washington", "place"),
    "District of Columbia": ("Washington", "place"),
    "Federal Bureau of Investigation": ("FBI", "org"),
    "Central Intelligence Agency": ("CIA", "org"),
    "Internal Revenue Service": ("IRS", "org"),
    "I.R.S.": ("IRS", "org"),
    "Environmental Protection Agency": ("EPA", "org"),
    "E.P.A.": ("EPA", "org"),
    "Department of Justice": ("Justice Department", "org"),
    "DOJ": ("Justice Department", "org"),
    "Department of Homeland Security": ("DHS", "org"),
    "Homeland Security Department": ("DHS", "org"),
    "Department of State": ("State Department", "org"),
    "Department of Defense": ("Pentagon", "org"),
    "Defense Department": ("Pentagon", "org"),
    "DOD": ("Pentagon", "org"),
    "U.N.": ("United Nations", "org"),
    "UN": ("United Nations", "org"),
    "EU": ("European Union", "org"),
    "E.U.": ("European Union", "org"),
    "North Atlantic Treaty Organization": ("NATO", "org"),
    "SCOTUS": ("Supreme Court", "org"),
    "U.S. Supreme Court": ("Supreme Court", "org"),
    "NYT": ("New York Times", "org"),
    "The New York Times": ("New York Times", "org"),
    "WaPo": ("Washington Post", "org"),
    "The Washington Post": ("Washington Post", "org"),
    "WSJ": ("Wall Street Journal", "org"),
    "The Wall Street Journal": ("Wall Street Journal", "org"),
    "Agence France-Presse": ("AFP", "org"),
    "Agence France Presse": ("AFP", "org"),
    "Centers for Disease Control and Prevention": ("CDC", "org"),
    "Centers for Disease Control": ("CDC", "org"),
    "World Health Organization": ("WHO", "org"),
    "Immigration and Customs Enforcement": ("ICE", "org"),
    "National Rifle Association": ("NRA", "org"),
    "American Civil Liberties Union": ("ACLU", "org"),
    "Congressional Budget Office": ("CBO", "org"),
    "Fed": ("Federal Reserve", "org"),
    "Federal Reserve Board": ("Federal Reserve", "org"),
    "U.S. Congress": ("Congress", "org"),
    "U.S. Senate": ("Senate", "org"),
    "U.S. House": ("House of Representatives", "org"),
    "House": ("House of Representatives", "org"),
    "U.S. House of Representatives": ("House of Representatives", "org"),
    "USSR": ("Soviet Union", "place"),
    "U.S.S.R.": ("Soviet Union", "place"),
    "UAE": ("United Arab Emirates", "place"),
    "U.A.E.": ("United Arab Emirates", "place"),
    "NYC": ("New York City", "place"),
    "N.Y.C.": ("New York City", "place"),
    "LA": ("Los Angeles", "place"),
    "L.A.": ("Los Angeles", "place"),
    "Holy See": ("Vatican", "place"),
    "Vatican City": ("Vatican", "place"),
}


def seed(apps, schema_editor):  # type: ignore[no-untyped-def]
    from search.ingest.actors import fold

    NameAlias = apps.get_model("search", "NameAlias")
    seen: set[str] = set()
    for alias, (name, kind) in NAME_ALIASES.items():
        key = fold(alias)
        if key in seen or key == fold(name):
            continue
        seen.add(key)
        NameAlias.objects.create(key=key, alias=alias, name=name, kind=kind)


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0008_sources_alerts"),
    ]

    operations = [
        migrations.AddField(
            model_name="articleactor",
            name="kind",
            field=models.CharField(
                blank=True, choices=[("person", "person"), ("org", "organisation"), ("place", "place")], default="", max_length=6
            ),
        ),
        migrations.CreateModel(
            name="NameAlias",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("key", models.CharField(editable=False, max_length=300, unique=True)),
                ("alias", models.CharField(max_length=300)),
                ("name", models.CharField(max_length=300)),
                ("kind", models.CharField(choices=[("person", "person"), ("org", "organisation"), ("place", "place")], max_length=6)),
            ],
            options={
                "verbose_name": "name alias (abbreviation)",
                "verbose_name_plural": "name aliases (abbreviations)",
                "ordering": ["alias"],
            },
        ),
        migrations.AddField(
            model_name="passagegroup",
            name="learned_boilerplate",
            field=models.BooleanField(default=False),
        ),
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
