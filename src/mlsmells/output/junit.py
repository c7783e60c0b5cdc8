"""`junit`: JUnit XML, one test case per checked file and a failure per finding, for CI
systems that only read test reports.

XML 1.0 cannot hold most control characters at all, escaped or not, so every text passes
through `printable` first.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import defaultdict
from typing import TYPE_CHECKING

from mlsmells.escaping import printable
from mlsmells.output.concise import location

if TYPE_CHECKING:
    from mlsmells.output import OutputContext


def render(context: OutputContext) -> str:
    by_file = defaultdict(list)
    for finding in context.findings:
        by_file[finding.path].append(finding)
    files = list(dict.fromkeys([*context.result.files, *by_file]))
    suites = ET.Element("testsuites", name="mlsmells", tests=str(len(files)), failures=str(len(context.findings)))
    suite = ET.SubElement(suites, "testsuite", name="mlsmells", tests=str(len(files)),
                          failures=str(len(context.findings)), errors="0")
    for path in files:
        case = ET.SubElement(suite, "testcase", name=printable(path), classname="mlsmells")
        for finding in by_file.get(path, []):
            message = f"{finding.code} {printable(finding.message)}"
            failure = ET.SubElement(case, "failure", message=message, type=finding.code)
            failure.text = f"{location(finding)}: {message}"
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
