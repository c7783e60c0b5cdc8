"""MLS414 beyond its documented examples: how templates are read, where values come from,
and the near misses that stay quiet."""

from __future__ import annotations

import textwrap

from conftest import lines, lint, lint_percent_notebook

from mlsmells.findings import Severity


def test_sql_assembled_every_way_is_reported_at_the_runner():
    findings = lint(
        """
        import sqlite3
        import pandas as pd
        from sqlalchemy import text as sql_text

        FEATURES = "SELECT user_id, clicks, spend FROM features"

        def daily(con, day):
            return pd.read_sql_query(FEATURES + " WHERE day = '" + day + "'", con)

        def by_campaign(cursor, campaign):
            cursor.execute("SELECT * FROM ads WHERE campaign = '%s'" % campaign)

        def labels(session, split):
            return session.execute(sql_text("SELECT id, label FROM labels WHERE split = '{}'".format(split)))

        def window(cursor, start):
            query = "SELECT * FROM events"
            query += f" WHERE ts >= '{start}'"
            cursor.execute(query)
        """,
        "MLS414",
    )
    assert lines(findings) == [8, 11, 14, 19]
    assert "concatenation" in findings[0].message and "`%`" in findings[1].message
    assert "`.format`" in findings[2].message and "an f-string" in findings[3].message
    assert all("parameter" in finding.message and "SQL injection risk" in finding.message for finding in findings)


def test_sql_from_user_input_names_the_source():
    findings = lint(
        """
        import pandas as pd
        from pyspark.sql import SparkSession

        spark = SparkSession.builder.getOrCreate()
        customer = input("customer id: ")
        orders = spark.sql(f"SELECT * FROM orders WHERE customer = '{customer}'")
        """,
        "MLS414",
    )
    assert lines(findings) == [6]
    assert "`customer` comes from `input`: SQL injection" in findings[0].message
    assert findings[0].severity is Severity.ERROR


def test_only_text_from_a_user_or_a_request_makes_an_error():
    findings = lint(
        """
        import sqlite3
        from flask import Flask, request

        app = Flask(__name__)

        @app.get("/score")
        def score():
            user = request.args["user"]
            db = sqlite3.connect("features.db")
            return db.execute(f"SELECT score FROM scores WHERE user = '{user}'").fetchone()

        def history(db, user):
            return db.execute(f"SELECT * FROM events WHERE user = '{user}'").fetchall()
        """,
        "MLS414",
    )
    # The request makes an error; the parameter keeps the rule's own severity (advice since MLS414 was demoted).
    assert [(f.span.line, f.severity) for f in findings] == [(10, Severity.ERROR), (13, Severity.ADVICE)]


def test_assembled_sql_without_outside_values_is_reported_without_injection_note():
    findings = lint(
        """
        import pandas as pd

        con = connect()
        partition = latest_partition(con)
        frame = pd.read_sql(f"SELECT * FROM clicks WHERE part = '{partition}'", con)
        """,
        "MLS414",
    )
    assert lines(findings) == [5]
    assert "injection" not in findings[0].message


def test_constant_and_parameterised_sql_and_closed_lists_are_fine():
    assert not lint(
        """
        import pandas as pd

        EVENTS = "events"
        SPLITS = ("train", "valid", "test")
        LIMIT = 1000

        def load(con, cursor, day, n):
            a = pd.read_sql("SELECT * FROM events", con)
            b = pd.read_sql(f"SELECT * FROM {EVENTS} LIMIT {LIMIT}", con)
            c = pd.read_sql("SELECT * FROM events WHERE day = %(day)s", con, params={"day": day})
            cursor.execute("SELECT * FROM events WHERE day = ?", (day,))
            cursor.execute(f"SELECT * FROM events LIMIT {int(n)}")
            cursor.execute(f"SELECT * FROM events LIMIT {n:d}")
            frames = [pd.read_sql(f"SELECT * FROM {split}", con) for split in SPLITS]
            for split in SPLITS:
                frames.append(pd.read_sql(f"SELECT COUNT(*) FROM {split}", con))
            for column in ["clicks", "spend"]:
                cursor.execute("SELECT AVG(" + column + ") FROM events")
            return a, b, c, frames
        """,
        "MLS414",
    )


def test_identifiers_and_clauses_spliced_in_are_not_values():
    # Table and column names cannot be query parameters: SQL generators splice them in.
    assert not lint(
        """
        import sqlite3

        def profile(cursor, table, column, where_clause, subquery):
            cursor.execute(f'SELECT MAX("{column}") FROM {table}')
            cursor.execute(f"SELECT COUNT(*) FROM ({subquery}) AS t WHERE {where_clause}")
            cursor.execute("CREATE TABLE " + table + " AS SELECT * FROM staging")
            cursor.execute("SELECT {} FROM {} GROUP BY {}".format(column, table, column))
        """,
        "MLS414",
    )


def test_values_in_comparisons_lists_and_literals_are_reported():
    findings = lint(
        """
        import sqlite3

        def fetch(cursor, table, since, ids, name):
            cursor.execute(f"SELECT * FROM {table} WHERE ts >= {since}")
            cursor.execute(f"SELECT * FROM {table} WHERE id IN ({', '.join(ids)})")
            cursor.execute(f"SELECT * FROM {table} WHERE day BETWEEN '2024-01-01' AND {since}")
            cursor.execute(f"INSERT INTO {table} VALUES (1, {name})")
            cursor.execute(f"SELECT * FROM {table} WHERE name LIKE '%{name}%'")
            cursor.execute("SELECT * FROM %s WHERE id IN %s" % (table, tuple(ids)))
        """,
        "MLS414",
    )
    assert lines(findings) == [4, 5, 6, 7, 8, 9]


def test_execute_with_text_that_is_not_sql_is_left_alone():
    assert not lint(
        """
        import os

        def run(engine, step, graph):
            engine.execute(f"step-{step}")
            graph.execute("run " + step)
        """,
        "MLS414",
    )


def test_shell_commands_assembled_from_values():
    findings = lint(
        """
        import os
        import subprocess as sp

        def extract_frames(video, out_dir):
            os.system(f"ffmpeg -i {video} -r 1 {out_dir}/%04d.png")
            lines = sp.check_output("wc -l %s" % video, shell=True)
            sp.run("tar xzf " + video, shell=True, check=True)
        """,
        "MLS414",
    )
    assert lines(findings) == [5, 6, 7]
    assert "shell injection risk" in findings[0].message


def test_constant_commands_argument_lists_and_installs_are_not_reported():
    assert not lint(
        """
        import os
        import subprocess
        import sys

        def setup(video, package):
            os.system("nvidia-smi")
            subprocess.run(["ffmpeg", "-i", video, "frames/%04d.png"], check=True)
            subprocess.run(f"ffmpeg -i {video} out.mp4".split())
            os.system(f"{sys.executable} -m pip install {package}")
            subprocess.run("pip install " + package, shell=True)
        """,
        "MLS414",
    )


def test_notebook_shell_lines_are_not_python_strings():
    findings = lint_percent_notebook(
        textwrap.dedent(
            """
            # %%
            import os
            data_dir = "data"
            # %%
            !ls {data_dir} | head
            # %%
            os.system(f"unzip -o archive.zip -d {data_dir}_" + suffix)
            """
        ).lstrip(),
        "MLS414",
    )
    assert [(f.cell, f.span.line) for f in findings] == [(3, 1)]


def test_pandas_query_strings_are_not_sql():
    assert not lint(
        """
        import pandas as pd

        def recent(frame: pd.DataFrame, day):
            return frame.query(f"day >= '{day}' and clicks > 0")
        """,
        "MLS414",
    )


def test_values_formatted_as_numbers_cannot_break_a_command():
    findings = lint(
        """
        import os

        def run(options, stamp):
            os.system("python stack.py --dim %d --seed %d" % (options.dim, options.seed))
            os.system("python stack.py --alpha {:.3f}".format(options.alpha))
            os.system("python stack.py --name %s" % options.name)
        """,
        "MLS414",
    )
    assert lines(findings) == [6]


def test_project_constants_and_numbers_spliced_in_cannot_inject(tmp_path):
    from conftest import findings, write_project

    write_project(
        tmp_path,
        {
            "warehouse/config.py": """
                FEATURE_TABLE = "analytics.daily_features"
                LOG_DIR = "/var/log/" + "churn"
                CUTOFF = 30
                """,
            "warehouse/__init__.py": "",
            "warehouse/load.py": """
                import os
                import pandas as pd
                from warehouse import config
                from warehouse.config import CUTOFF

                def features(con, cursor, frame):
                    latest = pd.read_sql(f"SELECT * FROM {config.FEATURE_TABLE} WHERE age_days < {CUTOFF}", con)
                    cursor.execute("INSERT INTO runs (status) VALUES ('started')")
                    run_id = cursor.lastrowid
                    cursor.execute(f"UPDATE runs SET status = 'done', n_rows = {frame.shape[0]} WHERE id = {run_id}")
                    for fold in range(5):
                        os.system(f"python train.py --fold {fold} >> {config.LOG_DIR}/train.log")
                    return latest

                def by_user(con, user):
                    return pd.read_sql(f"SELECT * FROM {config.FEATURE_TABLE} WHERE user = '{user}'", con)

                def archive(run_name):
                    os.system(f"tar czf {run_name}.tgz {config.LOG_DIR}")
                """,
        },
    )
    assert findings(tmp_path, "MLS414") == [("warehouse/load.py", "MLS414", 16), ("warehouse/load.py", "MLS414", 19)]


def test_a_name_the_project_binds_more_than_once_is_not_a_constant(tmp_path):
    from conftest import findings, write_project

    write_project(
        tmp_path,
        {
            "settings.py": 'TABLE = "events"\nif DEBUG:\n    TABLE = input("table: ")\n',
            "query.py": """
                import pandas as pd
                import settings

                def load(con, day):
                    return pd.read_sql(f"SELECT * FROM events WHERE kind = '{settings.TABLE}'", con)
                """,
        },
    )
    assert findings(tmp_path, "MLS414") == [("query.py", "MLS414", 5)]


def test_digit_timestamps_and_counters_cannot_break_a_command():
    findings = lint(
        """
        import datetime
        import os
        import time

        def blend(n_models, alpha, weights_file):
            stamp = time.strftime("%Y%m%d%H%M", time.localtime())
            run_name = "blend_%d_%s" % (n_models, stamp)
            os.system("python blend.py -n %d -a %.2f -o %s" % (n_models, alpha, run_name))
            now = datetime.datetime.now().strftime("%Y%m%d_%H%M%S")
            os.system(f"python stack.py --out stack_{now}.csv")
            for index in range(n_models):
                os.system("python predict.py --fold %s --gpu %s" % (index, index % 4))
            day = time.strftime("%Y-%m-%d %H:%M")
            os.system("python report.py --title " + day)
            os.system(f"python stack.py --weights {weights_file}")
        """,
        "MLS414",
    )
    # A timestamp with a space can break the command; a file name from a parameter too.
    assert lines(findings) == [14, 15]


def test_whole_command_lines_and_quoted_words_are_not_reported():
    findings = lint(
        """
        import os
        import shlex
        import subprocess

        def launch(commands, n_gpus, log_dir):
            for idx, cmd in enumerate(commands):
                gpu = idx % n_gpus
                subprocess.Popen(f"CUDA_VISIBLE_DEVICES={gpu} {cmd}", shell=True)
                os.system(cmd + " > train.log 2>&1")

        def train(config_path, extra_args):
            os.system("python train.py --config " + shlex.quote(config_path))
            os.system("python train.py " + " ".join(shlex.quote(arg) for arg in extra_args))
            os.system("python train.py " + " ".join(map(shlex.quote, extra_args)))
            os.system(f"python train.py --config {config_path} | tee -a train.log")
            os.system(f"cd {config_path} && make")
        """,
        "MLS414",
    )
    # Only the unquoted path spliced as an argument (a command's and a `cd`'s) is reported.
    assert lines(findings) == [15, 16]


def test_a_number_read_back_from_the_database_is_not_a_value_to_quote():
    findings = lint(
        """
        import sqlite3

        def latest_metrics(db_path, name):
            con = sqlite3.connect(db_path)
            cur = con.cursor()
            cur.execute("SELECT experiment_id FROM experiments WHERE name = ?", (name,))
            experiment_id = cur.fetchone()[0]
            cur.execute("SELECT run_uuid FROM runs WHERE experiment_id = {}".format(experiment_id))
            run_uuid = cur.fetchone()[0]
            cur.execute("SELECT * FROM metrics WHERE run_uuid = '{}'".format(run_uuid))
            row_id = input("row: ")
            cur.execute("SELECT * FROM metrics WHERE id = {}".format(row_id))
            return cur.fetchall()
        """,
        "MLS414",
    )
    # The quoted text read back is still a value to pass as a parameter, but it does not come
    # from the connection parameter; a number typed by a user is an injection.
    assert lines(findings) == [10, 12]
    assert "injection" not in findings[0].message
    assert findings[1].severity is Severity.ERROR


def test_values_the_command_already_quotes_are_not_reported():
    findings = lint(
        """
        import os
        import subprocess

        def toolchain(cuda_home, compiler, features, out_dir):
            subprocess.check_output("'{}' -V".format(os.path.join(cuda_home, "bin", "nvcc")), shell=True)
            subprocess.check_output("'{}' --version".format(compiler), shell=True)
            for feature in features:
                os.system(f'touch "{out_dir}/{feature}.unused"')
            os.system(f"tar czf {out_dir}.tgz '{out_dir}'")
        """,
        "MLS414",
    )
    # The archive name outside the quotes can still break the last command.
    assert lines(findings) == [9]
