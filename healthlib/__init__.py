"""healthlib: a static patient-education website generator.

The build is a visible pipeline, one module per stage:

    load (read + validate files)  ->  model (typed content)  ->  render (HTML in memory)  ->  write (swap into place)
"""
