"""The appendices as a self-contained web site: page frame, assets, figures, search, references, sources.

:mod:`tieval.report.html` renders each executed notebook with tieval's own nbconvert template
(``report/nbtemplate/tieval``) and assembles the site from the modules here:

- :mod:`.layout`: the page frame (head links to the shared assets, header with the search box,
  the sidebar listing every appendix of every study, previous/next with titles, footer) and
  the contents box under the page's ``<h1>``;
- :mod:`.media`: images stored once, content-addressed, instead of data URIs in every view;
- :mod:`.assets`: the shared stylesheets and scripts copied to ``outputs/html/assets/``;
- :mod:`.sources`: each tieval module as a highlighted page under ``outputs/html/source/`` and the
  links from the auditor view's code to it;
- :mod:`.search`: the build-time search index (``assets/search-index.js``);
- :mod:`.references`: the bibliography (``references.yml``), linked citations, reference lists;
- :mod:`.citation`: the commit, its date, the repository and "cite this compendium" (CITATION.cff).

Everything here is deterministic: the same inputs and commit give the same bytes, and no page
loads anything from another host.
"""
