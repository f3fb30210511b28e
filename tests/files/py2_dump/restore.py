#!/usr/bin/env python
# -*- coding: UTF-8 -*-

# This is a Python dump created using dump2py.
# DJANGO_SETTINGS_MODULE was 'oldsite.settings', TIME_ZONE was u'Europe/Brussels'.


from __future__ import unicode_literals

import logging
logger = logging.getLogger('lino.management.commands.dump2py')

SOURCE_VERSION = '18.12.0'

import os
import six
from decimal import Decimal
from datetime import datetime
from datetime import time, date
from django.conf import settings
from lino.utils.dpy import create_mti_child
from lino.utils.dpy import DpyLoader
from lino.core.utils import resolve_model

if settings.USE_TZ:
    def dt(*args):
        return make_aware(datetime(*args), timezone=utc)
else:
    def dt(*args):
        return datetime(*args)

def new_content_type_id(m):
    if m is None: return m
    ct = settings.SITE.models.contenttypes.ContentType.objects.get_for_model(m)
    if ct is None: return None
    return ct.pk

def bv2kw(fieldname, values):
    """
    Needed if `Site.languages` changed between dumpdata and loaddata
    """
    return settings.SITE.babelkw(fieldname, de=values[0],fr=values[1],en=values[2])

countries_Country = resolve_model("countries.Country")
contacts_Partner = resolve_model("contacts.Partner")
contacts_Person = resolve_model("contacts.Person")
notes_Note = resolve_model("notes.Note")


def create_countries_country(name, isocode, short_code):
    kw = dict()
    if name is not None: kw.update(bv2kw('name',name))
    kw.update(isocode=isocode)
    kw.update(short_code=short_code)
    return countries_Country(**kw)

def create_contacts_partner(id, name, country_id, balance, created):
    if balance is not None: balance = Decimal(balance)
    kw = dict()
    kw.update(id=id)
    kw.update(name=name)
    kw.update(country_id=country_id)
    kw.update(balance=balance)
    kw.update(created=created)
    return contacts_Partner(**kw)

def create_contacts_person(partner_ptr_id, first_name, gender):
#    if gender: gender = settings.SITE.models.system.Genders.get_by_value(gender)
    kw = dict()
    kw.update(first_name=first_name)
    kw.update(gender=gender)
    return create_mti_child(contacts_Partner, partner_ptr_id, contacts_Person, **kw)

def create_notes_note(id, owner_type_id, owner_id, time, body):
    owner_type_id = new_content_type_id(owner_type_id)
    kw = dict()
    kw.update(id=id)
    kw.update(owner_type_id=owner_type_id)
    kw.update(owner_id=owner_id)
    kw.update(time=time)
    kw.update(body=body)
    return notes_Note(**kw)




def main(args):
    loader = DpyLoader(globals())
    from django.core.management import call_command
    call_command('initdb', interactive=args.interactive)
    os.chdir(os.path.dirname(__file__))
    loader.initialize()

    execfile("countries_country.py")
    execfile("contacts_partner.py")
    execfile("contacts_person.py")
    execfile("notes_note.py")
    loader.finalize()
    call_command('resetsequences')

if __name__ == '__main__':
    import argparse
    parser = argparse.ArgumentParser(description='Restore the data.')
    parser.add_argument('--noinput', dest='interactive',
        action='store_false', default=True,
        help="Don't ask for confirmation before flushing the database.")

    args = parser.parse_args()
    main(args)
