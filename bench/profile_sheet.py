#!/usr/bin/env python3
"""Where a sheet PDF's time goes: CPU by WeasyPrint phase (timers around the phase functions, no
profiler), then cProfile's top functions by own CPU time. Works on this checkout's code (pdf.Printer)
and on the code before it (pdf.render), so the two can be run in turns (bench/profile-history.md).

Usage: python bench/profile_sheet.py CHECKOUT SITE
    CHECKOUT  a folder holding healthlib/ (this repository, or an older one's export)
    SITE      a site built with PDFs (its sheet pages and stylesheets are read)
"""
import sys, time, collections, functools, cProfile, pstats, io
from pathlib import Path
sys.path.insert(0, sys.argv[1])
if (Path(sys.argv[1]) / "healthlib" / "publish").is_dir():
    from healthlib.publish import pdf
else:   # a checkout from before the sub-packages
    from healthlib import pdf
import weasyprint, weasyprint.document as D, weasyprint.css as C, weasyprint.text.fonts as TF
site = Path(sys.argv[2])
files = {p.relative_to(site).as_posix(): p.read_bytes() for p in site.rglob("*") if p.is_file() and not p.name.endswith(".pdf")}
pages = sorted(p for p in files if p.endswith("appointment-prep/index.html"))
root = "https://example.org/"
if hasattr(pdf, "Printer"):
    printer = pdf.Printer(files, root)
    one = lambda page, paper: printer.pdf(page, paper)
    label = "after"
else:
    one = lambda page, paper: pdf.render(page, files, root, paper)
    label = "before"
acc = collections.Counter()
def timed(owner, name, phase):
    f = getattr(owner, name)
    @functools.wraps(f)
    def w(*a, **k):
        t = time.process_time()
        try: return f(*a, **k)
        finally: acc[phase] += time.process_time() - t
    setattr(owner, name, w)
timed(TF.FontConfiguration, "__init__", "font configuration")
timed(weasyprint.HTML, "__init__", "parse HTML")
timed(weasyprint.CSS, "__init__", "parse CSS")
timed(D, "get_all_computed_styles", "cascade (styles of every element)")
timed(D, "build_formatting_structure", "box tree")
timed(D.Document, "write_pdf", "draw and write the PDF (fonts subset, compress)")
one(pages[0], pdf.PAPERS[0]); acc.clear()   # imports and first fonts
batch = [(page, paper) for page in pages[1:11] for paper in pdf.PAPERS]
t, c = time.perf_counter(), time.process_time()
for page, paper in batch: one(page, paper)
wall, cpu = (time.perf_counter() - t) / len(batch), (time.process_time() - c) / len(batch)
layout = cpu - sum(v for k, v in acc.items() if k != "parse CSS") / len(batch)   # CSS is parsed inside the cascade
print(f"{label}: {len(batch)} PDFs, {wall*1000:.0f} ms wall, {cpu*1000:.0f} ms CPU each; CPU by phase:")
for k, v in sorted(acc.items(), key=lambda kv: -kv[1]):
    print(f"  {k:48s} {v/len(batch)*1000:6.1f} ms")
print(f"  {'layout (the rest)':48s} {layout*1000:6.1f} ms")
pr = cProfile.Profile(time.process_time); pr.enable()
for page, paper in [(page, paper) for page in pages[11:16] for paper in pdf.PAPERS]: one(page, paper)
pr.disable()
s = io.StringIO(); pstats.Stats(pr, stream=s).sort_stats("tottime").print_stats(15)
print("\n".join(line.replace(str(Path(weasyprint.__file__).parent.parent) + "/", "") for line in s.getvalue().splitlines()[4:]))
