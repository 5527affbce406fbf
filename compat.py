"""What truly differs between the QGIS versions the plugin supports (3.22 to the latest 3.x on Qt5,
QGIS 4 on Qt6) and has no spelling that works on all of them. Everything else is written once,
in the portable spelling (qgis.PyQt imports, fully scoped Qt enums, API present since 3.22).
Features are detected, not version numbers."""
from qgis.core import QgsField
from qgis.PyQt.QtCore import QMetaType, QVariant

try:
    # Qt6 (QGIS 4) has QAction in QtGui only; QGIS's Qt5 shims re-export it there since about 3.40.
    from qgis.PyQt.QtGui import QAction
except ImportError:  # QGIS 3.22: QtWidgets only
    from qgis.PyQt.QtWidgets import QAction


def _fields_take_qmetatype():
    """QgsField takes a QMetaType.Type from QGIS 3.38 on (its QVariant.Type constructor is deprecated
    there, and Qt6 has no QVariant.Type); QGIS 3.22 takes only a QVariant.Type."""
    try:
        QgsField('probe', QMetaType.Type.Double)
    except TypeError:
        return False
    return True


#: Attribute field types for QgsField(name, type).
if _fields_take_qmetatype():
    FIELD_TEXT, FIELD_REAL, FIELD_INT, FIELD_DATE = (QMetaType.Type.QString, QMetaType.Type.Double,
                                                     QMetaType.Type.Int, QMetaType.Type.QDate)
else:
    FIELD_TEXT, FIELD_REAL, FIELD_INT, FIELD_DATE = QVariant.String, QVariant.Double, QVariant.Int, QVariant.Date

__all__ = ['QAction', 'FIELD_TEXT', 'FIELD_REAL', 'FIELD_INT', 'FIELD_DATE']
